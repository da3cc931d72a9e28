#include "sweep/slurm_script.h"

#include "sweep/sweep_results.h"

namespace evoaug {

std::string shell_quote(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                           "0123456789-_./=:,+@%") == std::string::npos;
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> point_run_arguments(const SweepFile& sweep, const SweepPoint& point,
                                             const std::filesystem::path& point_dir, int threads) {
  std::vector<std::string> args{"run", sweep.base.string()};
  for (const auto& o : point.overrides) args.insert(args.end(), {"--set", o});
  args.insert(args.end(), {"--set", "runtime.output_dir=" + point_dir.string(), "--set",
                           "runtime.threads=" + std::to_string(threads)});
  return args;
}

std::string slurm_script(const SweepFile& sweep, const std::vector<SweepPoint>& points, const std::filesystem::path& out_dir,
                         const std::filesystem::path& executable, int threads) {
  std::string out = "#!/bin/bash\n"
                    "# Written by `evoaug sweep " + sweep.path.filename().string() + " --emit slurm`: one array task per point.\n"
                    "# Submit with `sbatch " + (out_dir / "sweep.slurm").string() + "`; afterwards `evoaug sweep " +
                    sweep.path.string() + " --collect` gathers the results.\n"
                    "#SBATCH --job-name=evoaug-sweep\n"
                    "#SBATCH --array=0-" + std::to_string(points.empty() ? 0 : points.size() - 1) + "\n"
                    "#SBATCH --cpus-per-task=" + std::to_string(threads) + "\n"
                    "#SBATCH --output=" + (out_dir / "slurm-%A_%a.log").string() + "\n"
                    "set -euo pipefail\n"
                    "EVOAUG=\"${EVOAUG:-" + executable.string() + "}\"\n"
                    "case \"${SLURM_ARRAY_TASK_ID:?run this script with sbatch}\" in\n";
  for (const auto& p : points) {
    const auto dir = out_dir / p.name;
    out += "  " + std::to_string(p.index) + ")\n    dir=" + shell_quote(dir.string()) + "\n    args=(";
    const auto args = point_run_arguments(sweep, p, dir, threads);
    for (std::size_t i = 0; i < args.size(); ++i) out += (i ? " " : "") + shell_quote(args[i]);
    out += ") ;;\n";
  }
  out += "  *) echo \"no point $SLURM_ARRAY_TASK_ID in this sweep\" >&2; exit 2 ;;\nesac\n"
         "if [ -f \"$dir/" + std::string(kPointDoneMarker) + "\" ]; then echo \"$dir: finished already\"; exit 0; fi\n"
         "if [ -f \"$dir/checkpoints/pretrain-last.pt\" ]; then args+=(--resume); else args+=(--overwrite); fi\n"
         "\"$EVOAUG\" \"${args[@]}\"\n"
         "touch \"$dir/" + std::string(kPointDoneMarker) + "\"\n";
  return out;
}

}  // namespace evoaug
