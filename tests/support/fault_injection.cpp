// An LD_PRELOAD library that makes one file operation fail, for the reliability suite's
// fault tests: a disk that fails while evoaug writes a checkpoint, a report or
// metrics.csv. Set in the environment of the process under test:
//
//   EVOAUG_FAULT=OP:TEXT[:SKIP]
//
// OP is write, fsync or rename; the call fails when the file it acts on (for write and
// fsync the file behind the descriptor, for rename the new name) contains TEXT, after
// SKIP such calls have succeeded (default 0). It then fails every time, with ENOSPC for
// write and rename and EIO for fsync, as a full or failing disk does. Everything else
// goes to the C library untouched.
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

struct Fault {
  std::string op, text;
  long skip = 0;
  bool active = false;
};

const Fault& fault() {
  static const Fault parsed = [] {
    Fault f;
    const char* spec = std::getenv("EVOAUG_FAULT");
    if (!spec) return f;
    const std::string text(spec);
    const auto first = text.find(':');
    if (first == std::string::npos) return f;
    const auto second = text.find(':', first + 1);
    f.op = text.substr(0, first);
    f.text = text.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    if (second != std::string::npos) f.skip = std::strtol(text.c_str() + second + 1, nullptr, 10);
    f.active = !f.text.empty();
    return f;
  }();
  return parsed;
}

std::atomic<long> matching_calls{0};

std::string path_of(int fd) {
  char link[64], target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string();
}

// Whether this call of `op` on `path` is to fail.
bool fails(const char* op, const std::string& path) {
  const Fault& f = fault();
  if (!f.active || f.op != op || path.find(f.text) == std::string::npos) return false;
  return matching_calls.fetch_add(1) >= f.skip;
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) ssize_t write(int fd, const void* buffer, size_t count) {
  static const auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
  if (fd > 2 && fault().op == "write" && fails("write", path_of(fd))) {
    errno = ENOSPC;
    return -1;
  }
  return real(fd, buffer, count);
}

__attribute__((visibility("default"))) int fsync(int fd) {
  static const auto real = next<int (*)(int)>("fsync");
  if (fault().op == "fsync" && fails("fsync", path_of(fd))) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

__attribute__((visibility("default"))) int rename(const char* from, const char* to) {
  static const auto real = next<int (*)(const char*, const char*)>("rename");
  if (fault().op == "rename" && fails("rename", to)) {
    errno = ENOSPC;
    return -1;
  }
  return real(from, to);
}

}  // extern "C"
