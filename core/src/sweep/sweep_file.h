// A sweep file (docs/sweeps.md): a base pipeline, axes over its dotted keys, named
// [augment] variants, the baseline setting and the metric to compare on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace evoaug {

/// The key of the seed axis: runs that differ only in it are replicates of one setting.
inline constexpr const char* kSeedAxis = "runtime.seed";
/// The key of the axis over named [variants] (whole [augment] tables).
inline constexpr const char* kAugmentAxis = "augment";

struct SweepAxis {
  std::string key;                  ///< a dotted key of the pipeline ("augment.max_augs_per_seq")
  std::vector<std::string> labels;  ///< each value as shown in names and tables
  std::vector<std::string> values;  ///< each value as TOML text for `--set key=value`
};

struct SweepFile {
  std::filesystem::path path;  ///< the sweep file
  std::filesystem::path base;  ///< the base pipeline, absolute
  std::string mode = "grid";   ///< "grid" or "random"
  std::int64_t samples = 0;    ///< random: settings drawn (each crossed with every seed)
  std::uint64_t seed = 0;      ///< random: the draw's seed
  std::vector<SweepAxis> axes; ///< in the file's order; [variants] make the "augment" axis
  std::vector<std::pair<std::string, std::string>> baseline;  ///< axis key, value label
  std::string stage;           ///< the stage compared ("" = the last of each run)
  std::string metric;          ///< the mean test metric compared ("" = auroc, pearson or the first)
};

/// Reads and checks a sweep file; errors name the file, the key and the value.
SweepFile read_sweep_file(const std::filesystem::path& file);

}  // namespace evoaug
