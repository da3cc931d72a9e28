// Runs a sweep's points on this machine: each an `evoaug run` child process in its own
// folder, `jobs` at a time; SIGINT (or `stop`) stops them cleanly, to be resumed later.
#pragma once

#include <atomic>
#include <filesystem>
#include <vector>

#include "sweep/sweep_points.h"

namespace evoaug {

/// Every point is loaded as a pipeline (with its overrides) before anything runs; the
/// first that fails throws Error naming the axis and the value (or the whole point).
void validate_points(const SweepFile& sweep, const std::vector<SweepPoint>& points, const std::filesystem::path& out_dir,
                     const std::vector<std::filesystem::path>& plugin_folders);

struct SweepRunOptions {
  std::filesystem::path executable;  ///< the evoaug host
  int jobs = 1;                      ///< runs at a time
  int threads = 1;                   ///< each run's runtime.threads
  std::vector<std::filesystem::path> plugin_folders;  ///< passed on as --plugin-path
};

struct SweepRunOutcome {
  std::size_t skipped = 0;   ///< finished before this call
  std::size_t finished = 0;  ///< finished now
  std::size_t failed = 0;    ///< ended with an error (their run.log says why)
  bool interrupted = false;  ///< SIGINT or `stop`: what was running was stopped, to resume
};

/// Runs every point whose folder lacks the done marker; an interrupted point resumes
/// from its checkpoints. Each run's output goes to <point>/run.log. While it runs,
/// SIGINT and SIGTERM ask it to stop (passed on to the runs, which save and exit).
SweepRunOutcome run_points(const SweepFile& sweep, const std::vector<SweepPoint>& points,
                           const std::filesystem::path& out_dir, const SweepRunOptions& options,
                           const std::atomic<bool>* stop = nullptr);

}  // namespace evoaug
