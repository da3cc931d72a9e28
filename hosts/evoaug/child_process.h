// This executable run again as a child process, its output read line by line: how the
// host isolates work that may crash the process (a plugin's checks), so that a
// segmentation fault becomes a report instead of the end of the command.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace evoaug::cli {

/// How a child ended.
struct ChildExit {
  bool signalled = false;  ///< killed by a signal (a crash), not an exit
  int code = 0;            ///< the exit status, or the signal number
  /// "exit status 1" or "signal 11 (Segmentation fault)".
  std::string describe() const;
  /// From a status waitpid() returned.
  static ChildExit from_status(int status);
};

/// The running executable (/proc/self/exe).
std::filesystem::path own_executable();

/// Runs own_executable() with `arguments`, handing each line it writes to stdout or
/// stderr to `on_line` as it comes, and waits for it. Throws Error if it cannot start.
ChildExit run_own_executable(const std::vector<std::string>& arguments,
                             const std::function<void(const std::string& line)>& on_line);

}  // namespace evoaug::cli
