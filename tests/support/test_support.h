// Helpers shared by every test suite.
#pragma once

#include <filesystem>
#include <string>

#include "evoaug/plugin_registry.h"

namespace evoaug::testing {

/// A registry with every built-in plugin of the build tree loaded (a fresh one per
/// call, as each runtime instance owns its registry).
std::unique_ptr<PluginRegistry> builtin_registry();

/// Path of a fixture plugin built by tests/fixtures (e.g. "wrong_abi").
std::filesystem::path fixture_plugin(const std::string& name);

/// A fresh, empty temporary folder, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Result of running the `evoaug` host as a child process.
struct HostRun {
  int exit_code;
  std::string output;  ///< stdout and stderr together
};
/// Runs `evoaug <arguments>` (the arguments are passed to the shell as written).
HostRun run_host(const std::string& arguments);
/// The same with `environment` ("NAME=value ...", shell-quoted as needed) set for it.
HostRun run_host_with(const std::string& environment, const std::string& arguments);

/// Runs `evoaug <arguments>` in `folder` in the background, waits (60 s at most) until
/// `wait_for` exists, runs the shell command `action` (where $pid is evoaug's process id
/// and $log its output file), and waits for evoaug to end. Returns its output followed by
/// a line "exit=N" with its exit status: how a test interrupts a run at a known point.
std::string run_host_interrupted(const std::filesystem::path& folder, const std::string& arguments,
                                 const std::filesystem::path& wait_for, const std::string& action);

/// Writes `text` to `file`.
void write_file(const std::filesystem::path& file, const std::string& text);
std::string read_file(const std::filesystem::path& file);
/// report.json without its `wall_seconds` lines: what two identical runs must agree on.
std::string without_timings(const std::string& json);

/// Prints the Catch2 warning that ctest reads as "skipped" (SKIP_REGULAR_EXPRESSION).
#define EVOAUG_SKIP(reason)         \
  do {                              \
    WARN("SKIPPED: " << reason);    \
    return;                         \
  } while (false)

}  // namespace evoaug::testing
