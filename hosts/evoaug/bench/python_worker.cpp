#include "python_worker.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "evoaug/build_config.h"
#include "evoaug/error.h"

extern char** environ;

namespace evoaug::cli {
namespace fs = std::filesystem;

namespace {

std::string system_message(const std::string& what) { return what + ": " + std::strerror(errno); }

std::size_t value_start(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  const std::size_t at = json.find(quoted);
  if (at == std::string::npos) throw Error("bench compare: the Python worker's reply has no '" + key + "': " + json);
  std::size_t i = json.find(':', at + quoted.size());
  if (i == std::string::npos) throw Error("bench compare: malformed reply from the Python worker: " + json);
  ++i;
  while (i < json.size() && json[i] == ' ') ++i;
  return i;
}

}  // namespace

PythonWorker::PythonWorker(const std::string& python, const fs::path& script,
                           const std::map<std::string, std::string>& extra_environment) {
  int in_pipe[2], out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0)
    throw Error(system_message("bench compare: cannot create pipes for the Python worker"));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);

  std::vector<std::string> environment;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    if (!extra_environment.count(entry.substr(0, entry.find('=')))) environment.push_back(entry);
  }
  for (const auto& [name, value] : extra_environment) environment.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string python_arg = python, script_arg = script.string();
  char* argv[] = {python_arg.data(), script_arg.data(), nullptr};

  const int status = posix_spawnp(&pid_, python.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  to_child_ = in_pipe[1];
  from_child_ = out_pipe[0];
  if (status != 0) {
    close(to_child_);
    close(from_child_);
    throw Error("bench compare: cannot start '" + python + "': " + std::strerror(status) +
                " (give another interpreter with --python)");
  }
}

PythonWorker::~PythonWorker() {
  if (to_child_ >= 0) {
    const char quit[] = "{\"cmd\":\"quit\"}\n";
    [[maybe_unused]] const ssize_t written = write(to_child_, quit, sizeof(quit) - 1);
    close(to_child_);
  }
  if (from_child_ >= 0) close(from_child_);
  if (pid_ > 0) {
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string PythonWorker::request(const std::string& json) {
  const std::string line = json + "\n";
  for (std::size_t done = 0; done < line.size();) {
    const ssize_t n = write(to_child_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("bench compare: the Python worker stopped (writing to it failed); see its messages above");
    done += static_cast<std::size_t>(n);
  }
  std::size_t newline;
  while ((newline = buffer_.find('\n')) == std::string::npos) {
    char chunk[4096];
    const ssize_t n = read(from_child_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error("bench compare: the Python worker exited without replying; see its messages above");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  std::string reply = buffer_.substr(0, newline);
  buffer_.erase(0, newline + 1);
  if (reply.find("\"ok\": true") == std::string::npos && reply.find("\"ok\":true") == std::string::npos)
    throw Error("bench compare: the Python worker refused " + json + ": " + reply);
  return reply;
}

double json_number(const std::string& json, const std::string& key) {
  const std::size_t start = value_start(json, key);
  char* end = nullptr;
  const double value = std::strtod(json.c_str() + start, &end);
  if (end == json.c_str() + start) throw Error("bench compare: '" + key + "' is not a number in " + json);
  return value;
}

std::vector<double> json_numbers(const std::string& json, const std::string& key) {
  std::size_t i = value_start(json, key);
  if (i >= json.size() || json[i] != '[') throw Error("bench compare: '" + key + "' is not an array in " + json);
  std::vector<double> values;
  ++i;
  while (i < json.size() && json[i] != ']') {
    char* end = nullptr;
    values.push_back(std::strtod(json.c_str() + i, &end));
    if (end == json.c_str() + i) throw Error("bench compare: '" + key + "' holds a non-number in " + json);
    i = static_cast<std::size_t>(end - json.c_str());
    while (i < json.size() && (json[i] == ',' || json[i] == ' ')) ++i;
  }
  return values;
}

std::string find_python(const std::string& requested) {
  if (!requested.empty()) return requested;
  if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

fs::path find_bench_worker() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path installed = exe.parent_path().parent_path() / EVOAUG_BENCH_RELATIVE_DIR / "bench_worker.py";
  if (!ec && fs::exists(installed)) return installed;
  const fs::path source = fs::path(EVOAUG_SOURCE_BENCH_DIR) / "bench_worker.py";
  if (fs::exists(source)) return source;
  throw Error("bench compare: cannot find bench_worker.py (looked in " + installed.string() + " and " +
              source.string() + "); give it with --worker");
}

}  // namespace evoaug::cli
