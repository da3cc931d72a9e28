// evoaug sweep S.toml: the points of a sweep file validated, run as `evoaug run` child
// processes (or written as a Slurm array script), and gathered into tables and a report
// (docs/sweeps.md).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include "child_process.h"
#include "cli_args.h"
#include "commands.h"
#include "evoaug/error.h"
#include "sweep/slurm_script.h"
#include "sweep/sweep_results.h"
#include "sweep/sweep_runner.h"
#include "util/file_safety.h"

namespace evoaug::cli {
namespace {

constexpr int kInterruptedExit = 130;

void print_summary(const std::filesystem::path& out) {
  std::cout << "\nsummary: " << (out / "summary.csv").string() << "\nreport:  " << (out / "report.html").string() << "\n";
}

}  // namespace

int command_sweep(const HostContext& host, const Argv& argv) {
  Args args("evoaug sweep", argv, {"--out", "--jobs", "--threads", "--emit"}, {"--collect", "--dry-run"});
  const std::filesystem::path file = args.positional(0, "the sweep file (evoaug sweep S.toml)");
  args.expect_at_most(1);
  const SweepFile sweep = read_sweep_file(file);
  const std::vector<SweepPoint> points = expand_points(sweep);
  const std::filesystem::path out =
      std::filesystem::absolute(args.value("--out") ? std::filesystem::path(*args.value("--out"))
                                                    : sweep.path.parent_path() / sweep.path.stem());
  if (std::filesystem::exists(out) && !std::filesystem::is_directory(out))
    throw Error("evoaug sweep: --out '" + out.string() + "' is a file, not a folder");

  if (args.flag("--collect")) {
    if (!std::filesystem::is_directory(out))
      throw Error("evoaug sweep --collect: no sweep folder '" + out.string() + "' (run the sweep first, or give --out)");
    const std::size_t finished = write_sweep_results(sweep, points, out);
    std::cout << finished << " of " << points.size() << " points finished\n";
    print_summary(out);
    return 0;
  }

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int jobs = static_cast<int>(args.integer("--jobs", 1));
  if (jobs < 1) throw Error("evoaug sweep: --jobs " + std::to_string(jobs) + ": expected 1 or more runs at a time");
  const auto emit = args.value("--emit");
  if (emit && *emit != "slurm") throw Error("evoaug sweep: --emit '" + *emit + "': the one known target is slurm");
  const int threads = static_cast<int>(args.integer("--threads", emit ? 1 : std::max(1, cores / jobs)));
  if (threads < 1) throw Error("evoaug sweep: --threads " + std::to_string(threads) + ": expected 1 or more");
  if (!emit && jobs * threads > cores)
    throw Error("evoaug sweep: --jobs " + std::to_string(jobs) + " x --threads " + std::to_string(threads) + " = " +
                std::to_string(jobs * threads) + " threads, but this machine has " + std::to_string(cores) +
                " cores: lower --jobs or --threads");

  validate_points(sweep, points, out, host.extra_plugin_folders);
  if (args.flag("--dry-run")) {
    for (const auto& p : points) std::cout << p.name << "\n";
    std::cout << points.size() << " points, all valid; nothing run (--dry-run)\n";
    return 0;
  }
  if (emit) {
    const auto script = out / "sweep.slurm";
    write_file_atomically(script, slurm_script(sweep, points, out, own_executable(), threads));
    std::filesystem::permissions(script, std::filesystem::perms::owner_exec | std::filesystem::perms::group_exec,
                                 std::filesystem::perm_options::add);
    std::cout << script.string() << ": " << points.size() << " array tasks; submit it with sbatch, then run\n"
              << "  evoaug sweep " << file.string() << " --collect" << (args.value("--out") ? " --out " + out.string() : "")
              << "\n";
    return 0;
  }

  SweepRunOptions options;
  options.executable = own_executable();
  options.jobs = jobs;
  options.threads = threads;
  options.plugin_folders = host.extra_plugin_folders;
  std::filesystem::create_directories(out);
  const SweepRunOutcome outcome = run_points(sweep, points, out, options);
  const std::size_t finished = write_sweep_results(sweep, points, out);
  std::cout << finished << " of " << points.size() << " points finished (" << outcome.finished << " now, "
            << outcome.skipped << " before)\n";
  print_summary(out);
  if (outcome.interrupted) {
    std::cerr << "evoaug: interrupted: run the same command again to resume the sweep\n";
    return kInterruptedExit;
  }
  if (outcome.failed)
    throw Error(std::to_string(outcome.failed) + " point(s) failed; their run.log files (in " + out.string() +
                ") say why. Run the sweep again to retry them.");
  return 0;
}

}  // namespace evoaug::cli
