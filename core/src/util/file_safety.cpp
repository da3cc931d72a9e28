#include "util/file_safety.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <system_error>

#include "evoaug/error.h"

namespace evoaug {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kTemporaryTag = ".tmp-";

std::string system_reason(int error) { return std::generic_category().message(error); }

// fsync of a file or folder; best effort (a file system without fsync still gets the
// atomic rename).
void sync_to_disk(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

// 0, or the errno of the first failed write.
int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

// The pid of a temporary's name "<target>.tmp-<pid>", or 0 when the name is not one
// (earlier versions tagged temporaries with long random numbers: never a pid).
pid_t temporary_pid(const std::string& name, std::size_t tag_at) {
  const std::string digits = name.substr(tag_at + kTemporaryTag.size());
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
    return 0;
  return static_cast<pid_t>(std::stol(digits));
}

bool process_is_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

fs::path temporary_sibling(const fs::path& target) {
  fs::path temp = target;
  temp += std::string(kTemporaryTag) + std::to_string(::getpid());
  return temp;
}

void commit_temporary(const fs::path& temp, const fs::path& target) {
  // On disk before the rename, and the rename itself on disk after it: otherwise a power
  // loss could leave the new name pointing at an empty file.
  sync_to_disk(temp);
  std::error_code ec;
  fs::rename(temp, target, ec);
  if (ec) {
    // The reason is taken before anything else can overwrite ec.
    std::error_code ignored;
    const std::string reason = fs::is_directory(target, ignored) ? "it is a directory" : ec.message();
    fs::remove(temp, ignored);
    throw Error("cannot write '" + target.string() + "': " + reason);
  }
  sync_to_disk(target.parent_path().empty() ? fs::path(".") : target.parent_path());
}

void write_file_atomically(const fs::path& file, std::string_view bytes) {
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw Error("cannot write '" + file.string() + "': it is a directory");
  if (!file.parent_path().empty()) {
    fs::create_directories(file.parent_path(), ec);
    if (ec)
      throw Error("cannot write '" + file.string() + "': cannot create its folder '" +
                  file.parent_path().string() + "': " + ec.message());
  }
  const fs::path temp = temporary_sibling(file);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) throw Error("cannot write '" + file.string() + "': " + system_reason(errno));
  int error = write_all(fd, bytes);
  // A full disk can show only here, on a file system that allocates late (EINVAL: one that
  // cannot sync at all, still atomic).
  if (error == 0 && ::fsync(fd) != 0 && errno != EINVAL) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    throw Error("cannot write '" + file.string() + "': " + system_reason(error) +
                (error == ENOSPC || error == EDQUOT ? " (the earlier file, if any, is unchanged)" : ""));
  }
  commit_temporary(temp, file);
}

std::vector<fs::path> remove_stale_temporaries(const fs::path& folder, const std::string& target_name) {
  std::vector<std::pair<fs::path, pid_t>> stale;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const std::size_t at = name.rfind(kTemporaryTag);
    if (at == std::string::npos || at == 0) continue;
    if (!target_name.empty() && name.compare(0, at, target_name) != 0) continue;
    if (!target_name.empty() && at != target_name.size()) continue;
    const pid_t pid = temporary_pid(name, at);
    std::error_code status;
    if (pid <= 0 || pid == ::getpid() || !it->is_regular_file(status)) continue;
    if (process_is_gone(pid)) stale.emplace_back(it->path(), pid);
  }
  std::vector<fs::path> removed;
  for (const auto& [path, pid] : stale) {
    std::error_code size_error, remove_error;
    const auto bytes = fs::file_size(path, size_error);
    if (!fs::remove(path, remove_error) || remove_error) continue;
    spdlog::info("removed {} ({} bytes): a temporary file left by process {}, which is no longer running",
                 path.string(), size_error ? 0 : bytes, pid);
    removed.push_back(path);
  }
  return removed;
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  const bool a_exists = fs::exists(a, ec);
  const bool b_exists = fs::exists(b, ec);
  if (a_exists && b_exists) {
    const bool same = fs::equivalent(a, b, ec);
    return !ec && same;
  }
  if (a_exists != b_exists) return false;
  std::error_code ea, eb;
  const fs::path ra = fs::weakly_canonical(a, ea), rb = fs::weakly_canonical(b, eb);
  return !ea && !eb && ra == rb;
}

void check_output_file(const fs::path& output, const std::string& option, const std::vector<NamedPath>& inputs,
                       bool replace_existing) {
  const std::string named = option + " '" + output.string() + "'";
  for (const auto& input : inputs) {
    if (input.path.empty() || !same_file(output, input.path)) continue;
    const bool as_written = output.lexically_normal() == input.path.lexically_normal();
    throw Error(named + " is " +
                (as_written ? "also the " + input.what + " file"
                            : "the " + input.what + " file '" + input.path.string() +
                                  "' (the same file through a link or another path)") +
                ": writing it would replace that input. Choose another output file.");
  }
  std::error_code ec;
  if (fs::is_directory(output, ec))
    throw Error(named + " is a directory, not a file: give the path of the file to write (e.g. '" +
                (output / "NAME").string() + "')");
  const fs::file_status status = fs::symlink_status(output, ec);
  if (fs::exists(status) && !replace_existing)
    throw Error(named + " already exists: pass --force to replace it, or choose another file");
  remove_stale_temporaries(output.parent_path().empty() ? fs::path(".") : output.parent_path(),
                           output.filename().string());
}

}  // namespace evoaug
