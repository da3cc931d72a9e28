// Sweeps over pipeline settings and seeds (docs/sweeps.md), as `evoaug sweep` runs them:
// a sweep file's points, validated, run as `evoaug run` child processes of a given
// executable (or written as a Slurm array script), and gathered into sweep.csv,
// summary.csv and report.html.
//
//   const evoaug::Sweep sweep = evoaug::Sweep::load("sweep.toml");
//   sweep.validate(out);                    // every point loads as a pipeline
//   evoaug::SweepRun run;
//   run.executable = "/usr/bin/evoaug";
//   const auto outcome = sweep.run(out, run);
//   sweep.collect(out);                     // the tables and the report
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace evoaug {

/// An argument as a POSIX shell reads it back: as is when plain, else in single quotes
/// (the commands of the Slurm script, and a command line to show a user).
std::string shell_quote(const std::string& arg);

/// How Sweep::run runs the points on this machine.
struct SweepRun {
  std::filesystem::path executable;  ///< the evoaug program each point runs (`evoaug run`)
  int jobs = 1;                      ///< points at a time
  int threads = 1;                   ///< each run's runtime.threads
  std::vector<std::filesystem::path> plugin_folders;  ///< passed on as --plugin-path
};

struct SweepOutcome {
  std::size_t skipped = 0;   ///< finished before this call
  std::size_t finished = 0;  ///< finished now
  std::size_t failed = 0;    ///< ended with an error (their run.log says why)
  bool interrupted = false;  ///< SIGINT or SIGTERM: the runs were stopped, to be resumed
};

/// A sweep file and its points. Copyable; holds no resources.
class Sweep {
 public:
  /// Reads and checks a sweep file and expands its points; errors name the file, the key
  /// and the value.
  static Sweep load(const std::filesystem::path& file);
  ~Sweep();
  Sweep(const Sweep& other);
  Sweep& operator=(const Sweep& other);

  const std::filesystem::path& file() const;
  /// The points' folder names, in the sweep's order ("delete_max-10_seed-1").
  std::vector<std::string> point_names() const;
  /// Where the points go by default: a folder beside the file, named after its stem.
  std::filesystem::path default_output_dir() const;

  /// Loads every point as a pipeline (with its overrides) before anything runs; the first
  /// that fails throws Error naming the axis and the value (or the whole point).
  void validate(const std::filesystem::path& out_dir, const std::vector<std::filesystem::path>& plugin_folders = {}) const;
  /// Runs every point whose folder lacks the done marker (an interrupted one resumes from
  /// its checkpoints), `jobs` at a time, each logging to <point>/run.log. While it runs,
  /// SIGINT and SIGTERM stop the runs, which save and exit.
  SweepOutcome run(const std::filesystem::path& out_dir, const SweepRun& options) const;
  /// Writes out_dir/sweep.slurm (atomically, executable): a Slurm array script that runs
  /// the points with `executable`, a task each with `threads` CPUs; returns its path.
  std::filesystem::path write_slurm_script(const std::filesystem::path& out_dir, const std::filesystem::path& executable,
                                           int threads) const;
  /// Collects the finished points into sweep.csv, summary.csv and report.html in `out_dir`
  /// (atomically); returns how many points have finished.
  std::size_t collect(const std::filesystem::path& out_dir) const;

 private:
  struct Impl;
  explicit Sweep(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace evoaug
