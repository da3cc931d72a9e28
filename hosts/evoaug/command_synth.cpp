// evoaug synth --out FILE.h5 [--task binary|regression] [--num-sequences N] [--length L]
//              [--tasks K] [--seed S] [--motifs-out M.meme] [--lower-case] [--channels-last] [--force]
// Writes the built-in synthetic dataset in the paper's HDF5 layout (0.7/0.1/0.2 random
// splits from the seed), with the planted sites of each split as ground truth, and
// optionally the motifs they were drawn from as a MEME file (evoaug/synthetic.h).
#include <iostream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/error.h"
#include "evoaug/synthetic.h"

namespace evoaug::cli {

int command_synth(const HostContext&, const Argv& argv) {
  Args args("evoaug synth", argv,
            {"--out", "--task", "--num-sequences", "--length", "--tasks", "--seed", "--motifs-out"},
            {"--lower-case", "--channels-last", "--force"});
  args.expect_at_most(0);
  SyntheticFileOptions options;
  options.output = args.required("--out");
  options.motifs_out = args.value("--motifs-out").value_or("");
  options.replace_existing = args.flag("--force");
  options.task = args.value("--task").value_or("binary");
  options.num_sequences = args.integer("--num-sequences", options.num_sequences);
  options.length = args.integer("--length", options.length);
  options.tasks = args.integer("--tasks", 0);
  const std::int64_t seed = args.integer("--seed", 0);
  if (seed < 0) throw Error("evoaug synth: --seed must be >= 0");
  options.seed = static_cast<std::uint64_t>(seed);
  options.lower_case_names = args.flag("--lower-case");
  options.channels_last = args.flag("--channels-last");
  try {
    std::cout << write_synthetic_file(options);
  } catch (const ParamError& e) {
    throw Error("evoaug synth: --" + std::string(e.key() == "num_sequences" ? "num-sequences" : e.key()) + ": " +
                e.what());
  }
  return 0;
}

}  // namespace evoaug::cli
