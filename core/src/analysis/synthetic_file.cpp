// The public synthetic-file API (evoaug/synthetic.h): the generator's data split, written
// with its planted sites, and its motifs as MEME. In the analysis layer for the MEME writer.
#include "evoaug/synthetic.h"

#include <torch/torch.h>

#include <sstream>

#include "analysis/motifs.h"
#include "data/hdf5_io.h"
#include "data/splits.h"
#include "data/synthetic.h"
#include "evoaug/error.h"
#include "util/file_safety.h"

namespace evoaug {
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

std::string write_synthetic_file(const SyntheticFileOptions& request) {
  const std::filesystem::path& out = request.output;
  check_output_file(out, "evoaug synth: --out", {}, request.replace_existing);
  const std::filesystem::path& motifs_out = request.motifs_out;
  if (!motifs_out.empty()) {
    if (same_file(motifs_out, out) || motifs_out == out)
      throw Error("evoaug synth: --motifs-out and --out name the same file '" + out.string() + "'");
    check_output_file(motifs_out, "evoaug synth: --motifs-out", {}, request.replace_existing);
  }
  SyntheticOptions options;
  options.task = parse_synthetic_task(request.task);
  options.num_sequences = request.num_sequences;
  options.length = request.length;
  options.tasks = request.tasks;
  options.seed = request.seed;
  const SyntheticData data = generate_synthetic(options);
  const SplitIndices splits = random_split(options.num_sequences, {}, options.seed);
  Dataset dataset;
  dataset.train = take_rows(data.x, data.y, splits.train);
  dataset.valid = take_rows(data.x, data.y, splits.valid);
  dataset.test = take_rows(data.x, data.y, splits.test);
  dataset.task_names = data.task_names;
  Hdf5WriteOptions write;
  write.lower_case_names = request.lower_case_names;
  write.channels_last = request.channels_last;
  write_hdf5_dataset(out, dataset, write, planted_sites(data, splits, options.num_sequences));
  if (!motifs_out.empty()) write_file_atomically(motifs_out, generator_motifs_meme(options.motif_fidelity));

  std::ostringstream text;
  text << out.string() << ": synthetic " << (options.task == SyntheticTask::binary ? "binary" : "regression")
       << " data, seed " << options.seed << ": " << dataset.train.size() << " train / " << dataset.valid.size()
       << " valid / " << dataset.test.size() << " test sequences of length " << options.length << "\n"
       << "tasks:";
  for (const auto& name : data.task_names) text << " " << name;
  text << "\nplanted sites (sites_train, sites_valid, sites_test: sequence, motif, start, strand); motifs:";
  const auto& motifs = synthetic_motifs();
  for (std::size_t i = 0; i < motifs.size(); ++i) text << " " << i << "=" << motifs[i].factor;
  text << "\n";
  if (!motifs_out.empty())
    text << motifs_out.string() << ": the " << motifs.size() << " motifs as MEME (the PWMs sites are drawn from)\n";
  return text.str();
}

}  // namespace evoaug
