// `evoaug sweep --emit slurm`: a Slurm array script with one task per point, running the
// same command in the same folder as the local sweep would.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "sweep/sweep_points.h"

#include "evoaug/sweep.h"  // shell_quote

namespace evoaug {

/// The arguments after `evoaug` that run `point` in `point_dir` with `threads` threads
/// (without --resume/--overwrite: whoever launches it decides).
std::vector<std::string> point_run_arguments(const SweepFile& sweep, const SweepPoint& point,
                                             const std::filesystem::path& point_dir, int threads);

/// The script's text: `#SBATCH --array=0-(N-1)`, `--cpus-per-task=threads`; task i runs
/// point i with `executable` (unless its folder holds the done marker), resuming when
/// the folder holds a checkpoint, and marks the point done when the run succeeded.
std::string slurm_script(const SweepFile& sweep, const std::vector<SweepPoint>& points,
                         const std::filesystem::path& out_dir, const std::filesystem::path& executable, int threads);


}  // namespace evoaug
