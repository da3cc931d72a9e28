#include "child_process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "evoaug/error.h"

extern char** environ;

namespace evoaug::cli {

std::string ChildExit::describe() const {
  if (!signalled) return "exit status " + std::to_string(code);
  const char* name = strsignal(code);
  return "signal " + std::to_string(code) + (name ? " (" + std::string(name) + ")" : "");
}

ChildExit ChildExit::from_status(int status) {
  ChildExit exit;
  exit.signalled = WIFSIGNALED(status);
  exit.code = exit.signalled ? WTERMSIG(status) : WEXITSTATUS(status);
  return exit;
}

std::filesystem::path own_executable() { return std::filesystem::read_symlink("/proc/self/exe"); }

ChildExit run_own_executable(const std::vector<std::string>& arguments,
                             const std::function<void(const std::string& line)>& on_line) {
  const std::string program = own_executable().string();
  std::vector<std::string> words{program};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw Error(std::string("cannot create a pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  pid_t pid = 0;
  const int started = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (started != 0) {
    close(fds[0]);
    throw Error("cannot start " + program + ": " + std::strerror(started));
  }

  std::string pending;
  char buffer[4096];
  for (;;) {
    const ssize_t got = read(fds[0], buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(got));
    for (std::size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1))
      on_line(pending.substr(0, end));
  }
  if (!pending.empty()) on_line(pending);
  close(fds[0]);

  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return ChildExit::from_status(status);
}

}  // namespace evoaug::cli
