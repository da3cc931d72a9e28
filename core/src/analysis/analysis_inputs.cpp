#include "analysis/analysis_inputs.h"

#include <H5Cpp.h>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <cstdio>

#include "analysis/sequence_logo.h"
#include "data/fasta.h"
#include "data/hdf5_io.h"
#include "train/metrics.h"
#include "evoaug/error.h"
#include "util/file_safety.h"
#include "util/suggest.h"

namespace evoaug::analysis {
namespace fs = std::filesystem;

fs::path resolve_checkpoint(const fs::path& given) {
  std::error_code ec;
  if (!fs::exists(given, ec)) throw Error("'" + given.string() + "': no such checkpoint or run folder");
  if (!fs::is_directory(given, ec)) return given;
  for (const char* name : {"finetune-best.pt", "pretrain-best.pt"}) {
    const fs::path candidate = given / "checkpoints" / name;
    if (fs::exists(candidate, ec)) return candidate;
  }
  throw Error("run folder '" + given.string() +
              "' holds neither checkpoints/finetune-best.pt nor checkpoints/pretrain-best.pt (give the pipeline's "
              "output_dir, or a checkpoint file)");
}

AnalysisSequences read_analysis_sequences(const fs::path& input, std::int64_t alphabet, std::int64_t length,
                                          std::int64_t limit) {
  if (const std::string problem = data_file_problem(input); !problem.empty())
    throw Error(input.string() + ": " + problem);
  AnalysisSequences out;
  const bool hdf5 = input.extension() == ".h5" || input.extension() == ".hdf5";
  if (hdf5) {
    at::Tensor x = read_hdf5_dataset(input).test.x;
    if (limit > 0 && x.size(0) > limit) x = x.narrow(0, 0, limit);
    out.x = x.to(torch::kFloat32);
    for (std::int64_t i = 0; i < x.size(0); ++i) out.ids.push_back("test_" + std::to_string(i));
  } else {
    std::vector<std::string> sequences;
    for (auto& record : read_fasta(input)) {
      if (limit > 0 && static_cast<std::int64_t>(sequences.size()) >= limit) break;
      if (static_cast<std::int64_t>(record.sequence.size()) != length)
        throw Error(input.string() + ":" + std::to_string(record.line) + ": sequence '" + record.id +
                    "' has length " + std::to_string(record.sequence.size()) + "; the model was trained on length " +
                    std::to_string(length));
      out.ids.push_back(record.id);
      sequences.push_back(std::move(record.sequence));
    }
    if (sequences.empty()) throw Error(input.string() + ": no sequences");
    out.x = one_hot_encode(sequences, NPolicy::uniform).to(torch::kFloat32);
  }
  if (out.x.size(1) != alphabet || out.x.size(2) != length)
    throw Error(input.string() + ": sequences of shape (" + std::to_string(out.x.size(1)) + ", " +
                std::to_string(out.x.size(2)) + "); the model was trained on (" + std::to_string(alphabet) + ", " +
                std::to_string(length) + ")");
  return out;
}

std::int64_t resolve_task(const std::string& task, const std::vector<std::string>& task_names) {
  for (std::size_t t = 0; t < task_names.size(); ++t)
    if (task_names[t] == task) return static_cast<std::int64_t>(t);
  std::size_t used = 0;
  long long value = -1;
  try {
    value = std::stoll(task, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != task.size() || value < 0 || value >= static_cast<long long>(task_names.size()))
    throw Error("--task '" + task + "': give a task number from 0 to " + std::to_string(task_names.size() - 1) +
                " or a task name; " + unknown_name_message("task", task, task_names));
  return value;
}

AttributeOutput run_attribution(const Pipeline::AnalysisModel& model, const AnalysisSequences& sequences,
                                const AttributionOptions& options, const fs::path& output, std::int64_t logos) {
  AttributeOutput out;
  out.maps = attribute(model.forward, sequences.x, options).contiguous();
  {
    torch::NoGradGuard no_grad;
    std::vector<at::Tensor> parts;
    for (std::int64_t start = 0; start < sequences.x.size(0); start += options.batch_size)
      parts.push_back(model.forward(sequences.x.narrow(0, start, std::min(options.batch_size, sequences.x.size(0) - start)))
                          .select(1, options.task));
    out.predictions = torch::cat(parts).to(torch::kFloat32);
  }
  std::string ids;
  for (std::size_t i = 0; i < sequences.ids.size(); ++i) ids += (i ? "\t" : "") + sequences.ids[i];
  const std::string task_name = options.task < static_cast<std::int64_t>(model.task_names.size())
                                    ? model.task_names[options.task]
                                    : std::to_string(options.task);
  write_hdf5_tensors(output,
                     {{"attributions", out.maps},
                      {"x", (sequences.x > 0.5).to(torch::kUInt8)},
                      {"predictions", out.predictions}},
                     {{"ids", ids},
                      {"method", attribution_method_name(options.method)},
                      {"task", task_name},
                      {"corrected", options.correct && options.method != AttributionMethod::ism ? "true" : "false"}});
  const std::int64_t count = std::min<std::int64_t>(logos, out.maps.size(0));
  for (std::int64_t i = 0; i < count; ++i) {
    // Gradient maps are drawn at the observed nucleotide (the paper's figures); ISM, whose
    // observed entries are 0 by definition, as its whole matrix.
    at::Tensor shown = out.maps[i];
    if (options.method != AttributionMethod::ism) shown = shown * (sequences.x[i] > 0.5).to(torch::kFloat32);
    std::vector<std::vector<float>> rows(4);
    for (std::int64_t a = 0; a < 4 && a < shown.size(0); ++a) {
      const at::Tensor row = shown[a].contiguous();
      rows[a].assign(row.data_ptr<float>(), row.data_ptr<float>() + row.numel());
    }
    fs::path logo = output;
    logo.replace_filename(output.stem().string() + ".logo_" + std::to_string(i) + ".svg");
    write_file_atomically(logo, sequence_logo_svg(rows, sequences.ids[i] + " (" +
                                                            attribution_method_name(options.method) + ", " + task_name + ")"));
  }
  spdlog::info("attribute: {} maps ({}, task {}) -> {}", out.maps.size(0), attribution_method_name(options.method),
               task_name, output.string());
  return out;
}

PlantedSiteScores planted_site_scores(const at::Tensor& maps, const at::Tensor& x, const at::Tensor& sites,
                                      const std::vector<std::int64_t>& widths, AttributionMethod method) {
  const std::int64_t n = maps.size(0), length = maps.size(2);
  const at::Tensor importance = method == AttributionMethod::ism
                                    ? maps.abs().sum(1) / 3.0
                                    : (maps * x.narrow(0, 0, n).to(torch::kFloat32)).sum(1).abs();
  at::Tensor labels = torch::zeros({n, length}, torch::kFloat32);
  const at::Tensor rows = sites.to(torch::kLong).contiguous();
  const auto r = rows.accessor<std::int64_t, 2>();
  for (std::int64_t k = 0; k < rows.size(0); ++k) {
    if (r[k][0] >= n) continue;
    if (r[k][1] < 0 || r[k][1] >= static_cast<std::int64_t>(widths.size()))
      throw Error("planted sites: motif index " + std::to_string(r[k][1]) + " is not one of the generator's " +
                  std::to_string(widths.size()));
    const std::int64_t start = std::max<std::int64_t>(0, r[k][2]);
    const std::int64_t end = std::min(length, r[k][2] + widths[static_cast<std::size_t>(r[k][1])]);
    if (end > start) labels[r[k][0]].narrow(0, start, end - start).fill_(1.0);
  }
  const at::Tensor scores = importance.reshape({-1}).to(torch::kFloat64);
  const at::Tensor truth = labels.reshape({-1}).to(torch::kFloat64);
  return {auroc(scores, truth), aupr(scores, truth), truth.mean().item<double>()};
}

at::Tensor read_planted_sites(const fs::path& file) {
  H5::Exception::dontPrint();
  try {
    H5::H5File h5(file.string(), H5F_ACC_RDONLY);
    if (!h5.nameExists("sites_test"))
      throw Error(file.string() + ": no dataset 'sites_test' (--truth needs a file written by evoaug synth)");
    H5::DataSet data = h5.openDataSet("sites_test");
    const H5::DataSpace space = data.getSpace();
    hsize_t dims[2] = {0, 0};
    if (space.getSimpleExtentNdims() != 2 || (space.getSimpleExtentDims(dims), dims[1] != 4))
      throw Error(file.string() + ": 'sites_test' must be (M, 4): sequence, motif, start, strand");
    at::Tensor sites = torch::zeros({static_cast<std::int64_t>(dims[0]), 4}, torch::kLong);
    if (dims[0] > 0) data.read(sites.data_ptr<std::int64_t>(), H5::PredType::NATIVE_INT64);
    return sites;
  } catch (const H5::Exception& e) {
    throw Error("cannot read the planted sites of '" + file.string() + "': " + e.getDetailMsg());
  }
}

VariantScores score_variant_pairs(const ForwardFn& forward, const std::vector<VariantPair>& pairs, bool logits,
                                  std::int64_t batch_size) {
  if (batch_size < 1) throw Error("score-variants: the batch size must be at least 1");
  torch::NoGradGuard no_grad;
  std::vector<std::string> refs, alts;
  for (const auto& pair : pairs) {
    refs.push_back(pair.ref);
    alts.push_back(pair.alt);
  }
  auto predict = [&](const std::vector<std::string>& sequences) {
    const at::Tensor x = one_hot_encode(sequences, NPolicy::uniform).to(torch::kFloat32);
    std::vector<at::Tensor> parts;
    for (std::int64_t start = 0; start < x.size(0); start += batch_size)
      parts.push_back(forward(x.narrow(0, start, std::min(batch_size, x.size(0) - start))).to(torch::kFloat64));
    return torch::cat(parts);
  };
  const at::Tensor ref = predict(refs), alt = predict(alts);
  // Raw classifier outputs are logits, so their difference is the log-odds difference.
  return {logits ? torch::sigmoid(ref) : ref, logits ? torch::sigmoid(alt) : alt, alt - ref};
}

std::string variant_scores_tsv(const std::vector<VariantPair>& pairs, const std::vector<std::string>& task_names,
                               const VariantScores& scores) {
  std::string out = "id";
  const std::int64_t tasks = scores.effect.size(1);
  auto name = [&](std::int64_t t) {
    return t < static_cast<std::int64_t>(task_names.size()) ? task_names[t] : "task_" + std::to_string(t);
  };
  for (std::int64_t t = 0; t < tasks; ++t) out += "\t" + name(t) + "_ref\t" + name(t) + "_alt\t" + name(t) + "_effect";
  out += "\n";
  const at::Tensor ref_values = scores.ref.contiguous(), alt_values = scores.alt.contiguous(),
                   effect_values = scores.effect.contiguous();
  const auto ref = ref_values.accessor<double, 2>();
  const auto alt = alt_values.accessor<double, 2>();
  const auto effect = effect_values.accessor<double, 2>();
  char cell[96];
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    out += pairs[i].id;
    for (std::int64_t t = 0; t < tasks; ++t) {
      std::snprintf(cell, sizeof cell, "\t%.6g\t%.6g\t%.6g", ref[i][t], alt[i][t], effect[i][t]);
      out += cell;
    }
    out += "\n";
  }
  return out;
}

}  // namespace evoaug::analysis
