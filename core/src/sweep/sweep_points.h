// The points of a sweep: the grid of its axes (or a seeded random draw of settings, each
// with every seed), each with the `--set` overrides that make it and a folder name.
#pragma once

#include <string>
#include <vector>

#include "sweep/sweep_file.h"

namespace evoaug {

struct SweepPoint {
  std::size_t index = 0;                ///< position in the sweep (0, 1, ...)
  std::vector<std::string> labels;      ///< the value of each axis, as SweepFile::axes
  std::vector<std::string> overrides;   ///< "key=value" per axis, for --set
  std::string name;                     ///< its folder, from its values ("delete_max-10_seed-1")
  std::string setting;                  ///< the name without the seed: replicates share it
  std::string seed;                     ///< the seed axis' value, "" without one
};

/// Grid: every combination, the first axis varying slowest (nested loops in the file's
/// order). Random: `samples` settings of the non-seed axes drawn without replacement
/// with `seed` (the same file gives the same draw), in grid order, each crossed with
/// every seed. Throws Error when samples exceeds the settings there are.
std::vector<SweepPoint> expand_points(const SweepFile& sweep);

/// Whether `point` is the baseline setting (false when the sweep names none).
bool is_baseline(const SweepFile& sweep, const SweepPoint& point);

}  // namespace evoaug
