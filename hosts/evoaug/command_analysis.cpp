// evoaug attribute: the paper's interpretability analyses on a trained model. Thin
// wrappers over core/src/analysis; the model comes from a checkpoint (or a run folder's
// best checkpoint) with the configuration stored in it, or the pipeline file given.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "analysis/analysis_inputs.h"
#include "analysis/filters.h"
#include "analysis/indexed_fasta.h"
#include "analysis/motifs.h"
#include "analysis/sequence_logo.h"
#include "data/synthetic.h"
#include "cli_args.h"
#include "commands.h"
#include "evoaug/error.h"
#include "evoaug/runtime.h"
#include "util/file_safety.h"

#include <spdlog/spdlog.h>

namespace evoaug::cli {
namespace {

Runtime analysis_runtime(const HostContext& host) {
  Runtime::Options options;
  options.plugin_folders = host.extra_plugin_folders;
  return Runtime(options);
}

std::vector<std::string> set_overrides(const Args& args) { return args.values("--set"); }

}  // namespace

int command_attribute(const HostContext& host, const Argv& argv) {
  Args args("evoaug attribute", argv,
            {"--checkpoint", "--in", "--data", "--method", "--task", "--n", "--references", "--batch-size", "--seed",
             "--logos", "--out", "--set", "--pipeline"},
            {"--no-correction", "--force", "--truth"});
  args.expect_at_most(1);
  std::string given;
  if (auto value = args.value("--checkpoint")) given = *value;
  else if (!args.positional().empty()) given = args.positional(0, "RUN_DIR");
  else throw Error("evoaug attribute: give a run folder (RUN_DIR) or --checkpoint CKPT");
  const std::string input = args.value("--in") ? *args.value("--in") : args.required("--data");
  const std::string output = args.required("--out");
  const std::filesystem::path checkpoint = analysis::resolve_checkpoint(given);

  analysis::AttributionOptions options;
  options.method = analysis::parse_attribution_method(args.value("--method").value_or("saliency"));
  options.correct = !args.flag("--no-correction");
  options.references = args.integer("--references", 1000);
  options.batch_size = args.integer("--batch-size", 128);
  options.seed = static_cast<std::uint64_t>(args.integer("--seed", 1));
  const std::int64_t limit = args.integer("--n", 0);
  const std::int64_t logos = args.integer("--logos", 3);
  if (limit < 0) throw Error("evoaug attribute: --n must be 0 (all) or more, not " + std::to_string(limit));
  if (options.batch_size < 1) throw Error("evoaug attribute: --batch-size must be at least 1");
  check_output_file(output, "evoaug attribute: --out", {{"checkpoint", checkpoint}, {"--in", input}},
                    args.flag("--force"));

  Runtime runtime = analysis_runtime(host);
  Pipeline pipeline = args.value("--pipeline") ? runtime.load(*args.value("--pipeline"), set_overrides(args))
                                               : runtime.from_checkpoint(checkpoint, set_overrides(args));
  const Pipeline::AnalysisModel model = pipeline.analysis_model(checkpoint);
  options.task = analysis::resolve_task(args.value("--task").value_or("0"), model.task_names);
  const auto sequences = analysis::read_analysis_sequences(input, model.alphabet, model.length, limit);
  const auto result = analysis::run_attribution(model, sequences, options, output, logos);
  if (args.flag("--truth")) {
    std::vector<std::int64_t> widths;
    for (const auto& motif : synthetic_motifs()) widths.push_back(static_cast<std::int64_t>(motif.consensus.size()));
    const analysis::PlantedSiteScores truth = analysis::planted_site_scores(
        result.maps, sequences.x, analysis::read_planted_sites(input), widths, options.method);
    std::printf("planted-site AUROC %.4f, AUPRC %.4f (chance %.4f) (%s, %lld sequences)\n", truth.auroc, truth.auprc,
                truth.positives, analysis::attribution_method_name(options.method).c_str(),
                static_cast<long long>(result.maps.size(0)));
  }
  return 0;
}

}  // namespace evoaug::cli

namespace evoaug::cli {

int command_score_variants(const HostContext& host, const Argv& argv) {
  Args args("evoaug score-variants", argv,
            {"--checkpoint", "--pairs", "--vcf", "--reference", "--out", "--batch-size", "--set", "--pipeline",
             "--task"},
            {"--force"});
  args.expect_at_most(1);
  std::string given;
  if (auto value = args.value("--checkpoint")) given = *value;
  else if (!args.positional().empty()) given = args.positional(0, "RUN_DIR");
  else throw Error("evoaug score-variants: give a run folder (RUN_DIR) or --checkpoint CKPT");
  const std::string output = args.required("--out");
  const auto pairs_file = args.value("--pairs");
  const auto vcf = args.value("--vcf");
  if (pairs_file.has_value() == vcf.has_value())
    throw Error("evoaug score-variants: give either --pairs PAIRS.tsv or --vcf V.vcf with --reference GENOME.fa");
  if (vcf && !args.value("--reference"))
    throw Error("evoaug score-variants: --vcf needs --reference GENOME.fa (the genome the VCF's positions refer to)");
  const std::int64_t batch_size = args.integer("--batch-size", 128);
  if (batch_size < 1) throw Error("evoaug score-variants: --batch-size must be at least 1");
  const std::filesystem::path checkpoint = analysis::resolve_checkpoint(given);
  std::vector<NamedPath> inputs{{"checkpoint", checkpoint}};
  if (pairs_file) inputs.push_back({"--pairs", *pairs_file});
  if (vcf) inputs.push_back({"--vcf", *vcf});
  if (auto reference = args.value("--reference")) inputs.push_back({"--reference", *reference});
  check_output_file(output, "evoaug score-variants: --out", inputs, args.flag("--force"));
  // Written when the pairs carry measured effects: checked now, before any work.
  const std::filesystem::path correlations_table = std::filesystem::path(output).replace_extension(".correlations.tsv");
  if (pairs_file)
    check_output_file(correlations_table, "evoaug score-variants: the correlations table (beside --out)", inputs,
                      args.flag("--force"));

  Runtime runtime = analysis_runtime(host);
  Pipeline pipeline = args.value("--pipeline") ? runtime.load(*args.value("--pipeline"), set_overrides(args))
                                               : runtime.from_checkpoint(checkpoint, set_overrides(args));
  const Pipeline::AnalysisModel model = pipeline.analysis_model(checkpoint);
  std::vector<analysis::VariantPair> pairs;
  if (pairs_file) {
    pairs = analysis::read_variant_pairs(*pairs_file, model.length);
  } else {
    // Through the genome's .fai index (built beside it when missing): only the windows are read.
    const analysis::IndexedFasta genome(*args.value("--reference"));
    pairs = analysis::variant_windows(analysis::read_vcf(*vcf), analysis::genome_view(genome), model.length, *vcf);
  }
  const auto scores = analysis::score_variant_pairs(model.forward, pairs, model.logits, batch_size);
  write_file_atomically(output, analysis::variant_scores_tsv(pairs, model.task_names, scores));
  spdlog::info("score-variants: {} variants -> {}", pairs.size(), output);

  // The paper's CAGI5 protocol, when the pairs carry measured effects: per experiment, the
  // Pearson correlation of one task's predicted effect with the measured one.
  if (std::any_of(pairs.begin(), pairs.end(), [](const analysis::VariantPair& p) { return p.measured.has_value(); })) {
    const std::int64_t task = analysis::resolve_task(args.value("--task").value_or("0"), model.task_names);
    const at::Tensor effect = scores.effect.select(1, task).to(torch::kFloat64).contiguous();
    const std::vector<double> predicted(effect.data_ptr<double>(), effect.data_ptr<double>() + effect.numel());
    const auto correlations = analysis::measured_correlations(pairs, predicted);
    const std::string text = analysis::correlations_tsv(correlations);
    write_file_atomically(correlations_table, text);
    std::printf("measured effects against task %lld's predicted effect (Pearson r per experiment) -> %s\n%s",
                static_cast<long long>(task), correlations_table.string().c_str(), text.c_str());
  }
  return 0;
}

}  // namespace evoaug::cli

namespace evoaug::cli {
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

int command_filters(const HostContext& host, const Argv& argv) {
  Args args("evoaug filters", argv,
            {"--checkpoint", "--in", "--data", "--out", "--threshold", "--n", "--motifs", "--exclude", "--shuffles",
             "--seed", "--batch-size", "--set", "--pipeline"},
            {"--euclidean", "--no-logos"});
  args.expect_at_most(1);
  std::string given;
  if (auto value = args.value("--checkpoint")) given = *value;
  else if (!args.positional().empty()) given = args.positional(0, "RUN_DIR");
  else throw Error("evoaug filters: give a run folder (RUN_DIR) or --checkpoint CKPT");
  const std::string input = args.value("--in") ? *args.value("--in") : args.required("--data");
  const std::filesystem::path out_dir = args.required("--out");
  double threshold = 0.5;
  if (auto text = args.value("--threshold")) {
    try {
      threshold = std::stod(*text);
    } catch (const std::exception&) {
      throw Error("evoaug filters: --threshold expects a number between 0 and 1, got '" + *text + "'");
    }
  }
  const std::int64_t limit = args.integer("--n", 0);
  const std::int64_t batch_size = args.integer("--batch-size", 256);
  if (limit < 0 || batch_size < 1) throw Error("evoaug filters: --n must be 0 (all) or more and --batch-size at least 1");
  analysis::CompareOptions compare;
  compare.euclidean = args.flag("--euclidean");
  compare.shuffles = args.integer("--shuffles", 1000);
  compare.seed = static_cast<std::uint64_t>(args.integer("--seed", 1));
  const std::filesystem::path checkpoint = analysis::resolve_checkpoint(given);
  std::error_code ec;
  if (std::filesystem::exists(out_dir, ec) && !std::filesystem::is_directory(out_dir, ec))
    throw Error("evoaug filters: --out '" + out_dir.string() + "' is a file; give a folder");
  // Read the database first: a bad motif file fails before the model is loaded.
  std::vector<analysis::Motif> database;
  if (auto motifs = args.value("--motifs")) {
    database = analysis::read_meme(*motifs);
    std::vector<std::string> excluded;
    for (const auto& list : args.values("--exclude")) {
      std::istringstream items(list);
      for (std::string id; std::getline(items, id, ',');)
        if (!id.empty()) excluded.push_back(id);
    }
    for (const auto& id : excluded)
      if (std::none_of(database.begin(), database.end(), [&](const auto& m) { return m.name == id; }))
        spdlog::warn("filters: --exclude {}: no such motif in {}", id, *motifs);
    database.erase(std::remove_if(database.begin(), database.end(),
                                  [&](const auto& m) {
                                    return std::find(excluded.begin(), excluded.end(), m.name) != excluded.end();
                                  }),
                   database.end());
    if (database.empty()) throw Error("evoaug filters: no motif of " + *motifs + " is left to compare with");
  }

  Runtime runtime = analysis_runtime(host);
  Pipeline pipeline = args.value("--pipeline") ? runtime.load(*args.value("--pipeline"), set_overrides(args))
                                               : runtime.from_checkpoint(checkpoint, set_overrides(args));
  const Pipeline::AnalysisModel model = pipeline.analysis_model(checkpoint);
  const auto sequences = analysis::read_analysis_sequences(input, model.alphabet, model.length, limit);
  const auto layer = analysis::first_layer_activations(*model.module, sequences.x, batch_size);
  const auto pfms = analysis::filter_pfms(layer, sequences.x, threshold);
  std::filesystem::create_directories(out_dir);
  write_file_atomically(out_dir / "filters.meme", analysis::write_meme(pfms));
  if (!args.flag("--no-logos"))
    for (const auto& pfm : pfms)
      write_file_atomically(out_dir / (pfm.name + ".svg"),
                            analysis::sequence_logo_svg(information_rows(pfm),
                                                        pfm.name + " (" + std::to_string(pfm.sites) + " sites)", 60.0));
  spdlog::info("filters: {} first-layer filters from {} sequences -> {}", pfms.size(), sequences.ids.size(),
               (out_dir / "filters.meme").string());
  if (database.empty()) return 0;

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
  std::cout << line;
  write_file_atomically(out_dir / "summary.txt", line);
  return 0;
}

}  // namespace evoaug::cli
