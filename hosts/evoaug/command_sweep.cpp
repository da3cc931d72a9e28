// evoaug sweep S.toml: the points of a sweep file validated, run as `evoaug run` child
// processes (or written as a Slurm array script), and gathered into tables and a report
// (docs/sweeps.md), through the public sweep API (evoaug/sweep.h).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <thread>

#include "child_process.h"
#include "cli_args.h"
#include "commands.h"
#include "evoaug/error.h"
#include "evoaug/sweep.h"

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
  const Sweep sweep = Sweep::load(file);
  const std::size_t points = sweep.point_names().size();
  const std::filesystem::path out = std::filesystem::absolute(
      args.value("--out") ? std::filesystem::path(*args.value("--out")) : sweep.default_output_dir());
  if (std::filesystem::exists(out) && !std::filesystem::is_directory(out))
    throw Error("evoaug sweep: --out '" + out.string() + "' is a file, not a folder");
  if (args.flag("--collect")) {
    if (!std::filesystem::is_directory(out))
      throw Error("evoaug sweep --collect: no sweep folder '" + out.string() + "' (run the sweep first, or give --out)");
    const std::size_t finished = sweep.collect(out);
    std::cout << finished << " of " << points << " points finished\n";
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
  sweep.validate(out, host.extra_plugin_folders);
  if (args.flag("--dry-run")) {
    for (const auto& name : sweep.point_names()) std::cout << name << "\n";
    std::cout << points << " points, all valid; nothing run (--dry-run)\n";
    return 0;
  }
  if (emit) {
    const auto script = sweep.write_slurm_script(out, own_executable(), threads);
    std::cout << script.string() << ": " << points << " array tasks; submit it with sbatch, then run\n"
              << "  evoaug sweep " << file.string() << " --collect" << (args.value("--out") ? " --out " + out.string() : "")
              << "\n";
    return 0;
  }
  SweepRun options;
  options.executable = own_executable();
  options.jobs = jobs;
  options.threads = threads;
  options.plugin_folders = host.extra_plugin_folders;
  std::filesystem::create_directories(out);
  const SweepOutcome outcome = sweep.run(out, options);
  const std::size_t finished = sweep.collect(out);
  std::cout << finished << " of " << points << " points finished (" << outcome.finished << " now, "
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
