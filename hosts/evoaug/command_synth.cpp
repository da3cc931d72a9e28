// evoaug synth --out FILE.h5 [--task binary|regression] [--num-sequences N] [--length L]
//              [--tasks K] [--seed S] [--motifs-out M.meme] [--lower-case] [--channels-last] [--force]
// Writes the built-in synthetic dataset in the paper's HDF5 layout (0.7/0.1/0.2 random
// splits from the seed), with the planted sites of each split as ground truth, and
// optionally the motifs they were drawn from as a MEME file.
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <iostream>

#include "analysis/motifs.h"
#include "cli_args.h"
#include "commands.h"
#include "data/hdf5_io.h"
#include "data/splits.h"
#include "data/synthetic.h"
#include "evoaug/error.h"
#include "util/file_safety.h"

namespace evoaug::cli {
namespace {

// sites_<split>: (M, 4) int32 rows of (sequence within the split, motif index, start,
// strand +1/-1).
std::vector<Hdf5Extra> planted_sites(const SyntheticData& data, const SplitIndices& splits, std::int64_t count) {
  std::vector<int> split_of(static_cast<std::size_t>(count));
  std::vector<std::int64_t> row_of(static_cast<std::size_t>(count));
  const std::vector<std::int64_t>* lists[3] = {&splits.train, &splits.valid, &splits.test};
  for (int s = 0; s < 3; ++s)
    for (std::size_t i = 0; i < lists[s]->size(); ++i) {
      split_of[(*lists[s])[i]] = s;
      row_of[(*lists[s])[i]] = static_cast<std::int64_t>(i);
    }
  std::vector<std::int32_t> rows[3];
  for (const auto& site : data.sites) {
    auto& out = rows[split_of[site.sequence]];
    out.insert(out.end(), {static_cast<std::int32_t>(row_of[site.sequence]), site.motif,
                           static_cast<std::int32_t>(site.start), site.reverse ? -1 : 1});
  }
  std::vector<Hdf5Extra> extras;
  for (SplitId id : kSplitIds) {
    auto& values = rows[static_cast<int>(id)];
    const auto m = static_cast<std::int64_t>(values.size() / 4);
    extras.push_back({std::string("sites_") + split_name(id),
                      torch::from_blob(values.data(), {m, 4}, torch::kInt32).clone()});
  }
  return extras;
}

// The generator's motifs as the PWMs its sites are drawn from, in MEME format: a motif
// database with known answers for `evoaug filters --motifs` (docs/interpretation.md).
std::string generator_motifs_meme(double fidelity) {
  std::vector<analysis::Motif> out;
  for (const auto& motif : synthetic_motifs()) {
    const at::Tensor pwm = motif_pwm(motif, fidelity).to(torch::kFloat64).contiguous();
    analysis::Motif m;
    m.name = motif.factor;
    m.alt_name = motif.consensus;
    const auto p = pwm.accessor<double, 2>();
    for (std::int64_t j = 0; j < pwm.size(1); ++j) m.columns.push_back({p[0][j], p[1][j], p[2][j], p[3][j]});
    out.push_back(std::move(m));
  }
  return analysis::write_meme(out);
}

}  // namespace

int command_synth(const HostContext&, const Argv& argv) {
  Args args("evoaug synth", argv,
            {"--out", "--task", "--num-sequences", "--length", "--tasks", "--seed", "--motifs-out"},
            {"--lower-case", "--channels-last", "--force"});
  args.expect_at_most(0);
  const std::string out = args.required("--out");
  check_output_file(out, "evoaug synth: --out", {}, args.flag("--force"));
  const auto motifs_out = args.value("--motifs-out");
  if (motifs_out) {
    if (same_file(*motifs_out, out) || std::filesystem::path(*motifs_out) == std::filesystem::path(out))
      throw Error("evoaug synth: --motifs-out and --out name the same file '" + out + "'");
    check_output_file(*motifs_out, "evoaug synth: --motifs-out", {}, args.flag("--force"));
  }
  SyntheticOptions options;
  options.task = parse_synthetic_task(args.value("--task").value_or("binary"));
  options.num_sequences = args.integer("--num-sequences", options.num_sequences);
  options.length = args.integer("--length", options.length);
  options.tasks = args.integer("--tasks", 0);
  const std::int64_t seed = args.integer("--seed", 0);
  if (seed < 0) throw Error("evoaug synth: --seed must be >= 0");
  options.seed = static_cast<std::uint64_t>(seed);

  SyntheticData data;
  try {
    data = generate_synthetic(options);
  } catch (const ParamError& e) {
    throw Error("evoaug synth: --" + std::string(e.key() == "num_sequences" ? "num-sequences" : e.key()) + ": " +
                e.what());
  }
  const SplitIndices splits = random_split(options.num_sequences, {}, options.seed);
  Dataset dataset;
  dataset.train = take_rows(data.x, data.y, splits.train);
  dataset.valid = take_rows(data.x, data.y, splits.valid);
  dataset.test = take_rows(data.x, data.y, splits.test);
  dataset.task_names = data.task_names;
  Hdf5WriteOptions write;
  write.lower_case_names = args.flag("--lower-case");
  write.channels_last = args.flag("--channels-last");
  write_hdf5_dataset(out, dataset, write, planted_sites(data, splits, options.num_sequences));
  if (motifs_out) write_file_atomically(*motifs_out, generator_motifs_meme(options.motif_fidelity));

  std::cout << out << ": synthetic " << (options.task == SyntheticTask::binary ? "binary" : "regression")
            << " data, seed " << options.seed << ": " << dataset.train.size() << " train / " << dataset.valid.size()
            << " valid / " << dataset.test.size() << " test sequences of length " << options.length << "\n"
            << "tasks:";
  for (const auto& name : data.task_names) std::cout << " " << name;
  std::cout << "\nplanted sites (sites_train, sites_valid, sites_test: sequence, motif, start, strand); motifs:";
  const auto& motifs = synthetic_motifs();
  for (std::size_t i = 0; i < motifs.size(); ++i) std::cout << " " << i << "=" << motifs[i].factor;
  std::cout << "\n";
  if (motifs_out) std::cout << *motifs_out << ": the " << motifs.size() << " motifs as MEME (the PWMs sites are drawn from)\n";
  return 0;
}

}  // namespace evoaug::cli
