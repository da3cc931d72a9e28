// Conformance checks for a plugin library: what `evoaug plugin check PATH.so` runs, so
// that a plugin author can run in their own CI the checks the built-in plugins pass.
//
// The library is loaded into a registry of its own (nothing else loaded), then every
// component it registers is checked: its schema is well-formed and its defaults pass the
// core's validation; an augmentation keeps dtype and device, reports its output length
// truthfully, keeps columns one-hot unless it declares otherwise, is reproducible under
// a seed, leaves its input alone and survives the edge lengths; a model runs forward and
// backward and gives (N, T). Each check is one row of the report, with the reason when it
// fails. A check that crashes the process (a segfault in the plugin) cannot be reported
// from inside it: `evoaug plugin check` therefore runs each component's checks in a child
// process (check_plugin_library() here, check_plugin_component() in each child) and
// reports a crash as a failed row with the signal.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <filesystem>
#include <string>
#include <vector>

namespace evoaug {

/// One row of the report.
struct CheckOutcome {
  std::string component;  ///< "(library)" for checks of the library itself
  std::string check;
  bool passed = false;
  std::string detail;     ///< why it failed, or what was checked
};

struct PluginCheckOptions {
  std::int64_t length = 200;     ///< L the components are built for (edge lengths are added)
  std::int64_t batch_size = 8;   ///< N of the test batches
  std::int64_t tasks = 2;        ///< T for models
  std::uint64_t seed = 1;
  /// Devices to run the components on; empty: the CPU, and CUDA when available.
  std::vector<c10::Device> devices;
  /// Called as each check of a component starts and ends (a child process streams its
  /// rows to the parent through them, so a crash is pinned on the check that was running).
  std::function<void(const std::string& component, const std::string& check)> on_start;
  std::function<void(const CheckOutcome& outcome)> on_outcome;
};


struct PluginCheckReport {
  std::filesystem::path file;
  std::vector<CheckOutcome> outcomes;

  std::size_t failures() const;
  bool passed() const { return failures() == 0 && !outcomes.empty(); }
  /// The pass/fail table and a closing line, as `evoaug plugin check` prints it.
  std::string table() const;
};

/// Loads `file` and runs every check. Never throws for a non-conforming plugin: a
/// failure, a library that cannot be loaded included, is a failed row of the report.
PluginCheckReport check_plugin(const std::filesystem::path& file, const PluginCheckOptions& options = {});

/// The library's own rows of check_plugin() ("loads", "registers components"), and the
/// names of its components in `components` (empty when it did not load).
PluginCheckReport check_plugin_library(const std::filesystem::path& file, std::vector<std::string>& components);

/// Every check of the component `name` of the library at `file`, loaded afresh.
std::vector<CheckOutcome> check_plugin_component(const std::filesystem::path& file, const std::string& name,
                                                 const PluginCheckOptions& options = {});

}  // namespace evoaug
