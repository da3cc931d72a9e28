// Conformance checks for a plugin library: what `evoaug plugin check PATH.so` runs, so
// that a plugin author can run in their own CI the checks the built-in plugins pass.
//
// The library is loaded into a registry of its own (nothing else loaded), then every
// component it registers is checked: its schema is well-formed and its defaults pass the
// core's validation; an augmentation keeps dtype and device, reports its output length
// truthfully, keeps columns one-hot unless it declares otherwise, is reproducible under
// a seed, leaves its input alone and survives the edge lengths; a model runs forward and
// backward and gives (N, T). Each check is one row of the report, with the reason when it
// fails. A check that crashes the process (a segfault in the plugin) cannot be reported.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace evoaug {

struct PluginCheckOptions {
  std::int64_t length = 200;     ///< L the components are built for (edge lengths are added)
  std::int64_t batch_size = 8;   ///< N of the test batches
  std::int64_t tasks = 2;        ///< T for models
  std::uint64_t seed = 1;
  /// Devices to run the components on; empty: the CPU, and CUDA when available.
  std::vector<c10::Device> devices;
};

/// One row of the report.
struct CheckOutcome {
  std::string component;  ///< "(library)" for checks of the library itself
  std::string check;
  bool passed = false;
  std::string detail;     ///< why it failed, or what was checked
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

}  // namespace evoaug
