// The public analysis API (evoaug/analysis.h): what `evoaug attribute`, `score-variants`
// and `filters` do once their options are parsed.
#include "evoaug/analysis.h"

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analysis/analysis_inputs.h"
#include "analysis/filters.h"
#include "analysis/indexed_fasta.h"
#include "analysis/motifs.h"
#include "analysis/sequence_logo.h"
#include "data/synthetic.h"
#include "evoaug/error.h"
#include "util/file_safety.h"

namespace evoaug {
namespace {

// Logo heights of a PFM: each column's frequencies scaled by its information content.
std::vector<std::vector<float>> information_rows(const analysis::Motif& motif) {
  std::vector<std::vector<float>> rows(4);
  for (const auto& c : motif.columns) {
    double ic = 2.0;
    for (double p : c) ic += p > 0 ? p * std::log2(p) : 0.0;
    for (int k = 0; k < 4; ++k) rows[k].push_back(static_cast<float>(c[k] * ic));
  }
  return rows;
}

}  // namespace

std::filesystem::path resolve_checkpoint(const std::filesystem::path& run_or_checkpoint) {
  return analysis::resolve_checkpoint(run_or_checkpoint);
}

std::string write_attributions(const Pipeline& pipeline, const std::filesystem::path& checkpoint,
                               const AttributeRequest& request) {
  analysis::AttributionOptions options;
  options.method = analysis::parse_attribution_method(request.method);
  options.correct = request.correct;
  options.references = request.references;
  options.batch_size = request.batch_size;
  options.seed = request.seed;
  check_output_file(request.output, "evoaug attribute: --out", {{"checkpoint", checkpoint}, {"--in", request.input}},
                    request.replace_existing);
  const Pipeline::AnalysisModel model = pipeline.analysis_model(checkpoint);
  options.task = analysis::resolve_task(request.task, model.task_names);
  const auto sequences = analysis::read_analysis_sequences(request.input, model.alphabet, model.length, request.limit);
  const auto result = analysis::run_attribution(model, sequences, options, request.output, request.logos);
  if (!request.truth) return "";
  std::vector<std::int64_t> widths;
  for (const auto& motif : synthetic_motifs()) widths.push_back(static_cast<std::int64_t>(motif.consensus.size()));
  const analysis::PlantedSiteScores truth = analysis::planted_site_scores(
      result.maps, sequences.x, analysis::read_planted_sites(request.input), widths, options.method);
  char line[256];
  std::snprintf(line, sizeof line, "planted-site AUROC %.4f, AUPRC %.4f (chance %.4f) (%s, %lld sequences)\n",
                truth.auroc, truth.auprc, truth.positives, analysis::attribution_method_name(options.method).c_str(),
                static_cast<long long>(result.maps.size(0)));
  return line;
}

std::string write_variant_scores(const Pipeline& pipeline, const std::filesystem::path& checkpoint,
                                 const ScoreVariantsRequest& request) {
  const bool from_pairs = !request.pairs.empty();
  if (from_pairs == !request.vcf.empty())
    throw Error("evoaug score-variants: give either --pairs PAIRS.tsv or --vcf V.vcf with --reference GENOME.fa");
  if (!from_pairs && request.reference.empty())
    throw Error("evoaug score-variants: --vcf needs --reference GENOME.fa (the genome the VCF's positions refer to)");
  std::vector<NamedPath> inputs{{"checkpoint", checkpoint}};
  if (from_pairs) inputs.push_back({"--pairs", request.pairs});
  else inputs.push_back({"--vcf", request.vcf});
  if (!request.reference.empty()) inputs.push_back({"--reference", request.reference});
  check_output_file(request.output, "evoaug score-variants: --out", inputs, request.replace_existing);
  // Written when the pairs carry measured effects: checked now, before any work.
  const std::filesystem::path correlations_table = std::filesystem::path(request.output).replace_extension(".correlations.tsv");
  if (from_pairs)
    check_output_file(correlations_table, "evoaug score-variants: the correlations table (beside --out)", inputs,
                      request.replace_existing);

  const Pipeline::AnalysisModel model = pipeline.analysis_model(checkpoint);
  std::vector<analysis::VariantPair> pairs;
  if (from_pairs) {
    pairs = analysis::read_variant_pairs(request.pairs, model.length);
  } else {
    // Through the genome's .fai index (built beside it when missing): only the windows are read.
    const analysis::IndexedFasta genome(request.reference);
    pairs = analysis::variant_windows(analysis::read_vcf(request.vcf), analysis::genome_view(genome), model.length,
                                      request.vcf);
  }
  const auto scores = analysis::score_variant_pairs(model.forward, pairs, model.logits, request.batch_size);
  write_file_atomically(request.output, analysis::variant_scores_tsv(pairs, model.task_names, scores));
  spdlog::info("score-variants: {} variants -> {}", pairs.size(), request.output.string());

  // The paper's CAGI5 protocol, when the pairs carry measured effects: per experiment, the
  // Pearson correlation of one task's predicted effect with the measured one.
  if (std::none_of(pairs.begin(), pairs.end(), [](const analysis::VariantPair& p) { return p.measured.has_value(); }))
    return "";
  const std::int64_t task = analysis::resolve_task(request.task, model.task_names);
  const at::Tensor effect = scores.effect.select(1, task).to(torch::kFloat64).contiguous();
  const std::vector<double> predicted(effect.data_ptr<double>(), effect.data_ptr<double>() + effect.numel());
  const std::string text = analysis::correlations_tsv(analysis::measured_correlations(pairs, predicted));
  write_file_atomically(correlations_table, text);
  return "measured effects against task " + std::to_string(task) + "'s predicted effect (Pearson r per experiment) -> " +
         correlations_table.string() + "\n" + text;
}

std::string write_filter_motifs(const Pipeline& pipeline, const std::filesystem::path& checkpoint,
                                const FiltersRequest& request) {
  const std::filesystem::path& out_dir = request.output_dir;
  std::error_code ec;
  if (std::filesystem::exists(out_dir, ec) && !std::filesystem::is_directory(out_dir, ec))
    throw Error("evoaug filters: --out '" + out_dir.string() + "' is a file; give a folder");
  // Read the database first: a bad motif file fails before the model is loaded.
  std::vector<analysis::Motif> database;
  if (!request.motifs.empty()) {
    database = analysis::read_meme(request.motifs);
    for (const auto& id : request.exclude)
      if (std::none_of(database.begin(), database.end(), [&](const auto& m) { return m.name == id; }))
        spdlog::warn("filters: --exclude {}: no such motif in {}", id, request.motifs.string());
    database.erase(std::remove_if(database.begin(), database.end(),
                                  [&](const auto& m) {
                                    return std::find(request.exclude.begin(), request.exclude.end(), m.name) !=
                                           request.exclude.end();
                                  }),
                   database.end());
    if (database.empty())
      throw Error("evoaug filters: no motif of " + request.motifs.string() + " is left to compare with");
  }

  const Pipeline::AnalysisModel model = pipeline.analysis_model(checkpoint);
  const auto sequences = analysis::read_analysis_sequences(request.input, model.alphabet, model.length, request.limit);
  const auto layer = analysis::first_layer_activations(*model.module, sequences.x, request.batch_size);
  const auto pfms = analysis::filter_pfms(layer, sequences.x, request.threshold);
  std::filesystem::create_directories(out_dir);
  write_file_atomically(out_dir / "filters.meme", analysis::write_meme(pfms));
  if (request.logos)
    for (const auto& pfm : pfms)
      write_file_atomically(out_dir / (pfm.name + ".svg"),
                            analysis::sequence_logo_svg(information_rows(pfm),
                                                        pfm.name + " (" + std::to_string(pfm.sites) + " sites)", 60.0));
  spdlog::info("filters: {} first-layer filters from {} sequences -> {}", pfms.size(), sequences.ids.size(),
               (out_dir / "filters.meme").string());
  if (database.empty()) return "";

  analysis::CompareOptions compare;
  compare.euclidean = request.euclidean;
  compare.shuffles = request.shuffles;
  compare.seed = request.seed;
  const auto matches = analysis::compare_motifs(pfms, database, compare);
  const auto summary = analysis::summarize_matches(matches, pfms.size(), compare.q_threshold);
  std::string tsv = "filter\tsites\tmotif\tmotif_name\tscore\toffset\tstrand\toverlap\tp_value\tq_value\n";
  char line[512];
  for (std::size_t f = 0; f < pfms.size(); ++f) {
    const auto& best = summary.best[f];
    const auto& target = database[best.target];
    std::snprintf(line, sizeof line, "%s\t%lld\t%s\t%s\t%.4f\t%lld\t%c\t%lld\t%.4g\t%.4g\n", pfms[f].name.c_str(),
                  static_cast<long long>(pfms[f].sites), target.name.c_str(),
                  target.alt_name.empty() ? "." : target.alt_name.c_str(), best.score,
                  static_cast<long long>(best.offset), best.strand, static_cast<long long>(best.overlap), best.p_value,
                  best.q_value);
    tsv += line;
  }
  write_file_atomically(out_dir / "matches.tsv", tsv);
  std::snprintf(line, sizeof line, "hit rate %.3f (%lld of %zu filters match a motif at q < %.2g), mean best q %.4g\n",
                summary.hit_rate, static_cast<long long>(std::llround(summary.hit_rate * static_cast<double>(pfms.size()))),
                pfms.size(), compare.q_threshold, summary.mean_best_q);
  write_file_atomically(out_dir / "summary.txt", line);
  return line;
}

}  // namespace evoaug
