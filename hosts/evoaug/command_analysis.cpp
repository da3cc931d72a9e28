// evoaug attribute: the paper's interpretability analyses on a trained model. Thin
// wrappers over core/src/analysis; the model comes from a checkpoint (or a run folder's
// best checkpoint) with the configuration stored in it, or the pipeline file given.
#include "analysis/analysis_inputs.h"
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
            {"--no-correction", "--force"});
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
  analysis::run_attribution(model, sequences, options, output, logos);
  return 0;
}

}  // namespace evoaug::cli

namespace evoaug::cli {

int command_score_variants(const HostContext& host, const Argv& argv) {
  Args args("evoaug score-variants", argv,
            {"--checkpoint", "--pairs", "--vcf", "--reference", "--out", "--batch-size", "--set", "--pipeline"},
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

  Runtime runtime = analysis_runtime(host);
  Pipeline pipeline = args.value("--pipeline") ? runtime.load(*args.value("--pipeline"), set_overrides(args))
                                               : runtime.from_checkpoint(checkpoint, set_overrides(args));
  const Pipeline::AnalysisModel model = pipeline.analysis_model(checkpoint);
  const std::vector<analysis::VariantPair> pairs =
      pairs_file ? analysis::read_variant_pairs(*pairs_file, model.length)
                 : analysis::variant_windows(analysis::read_vcf(*vcf), analysis::read_genome(*args.value("--reference")),
                                             model.length, *vcf);
  const auto scores = analysis::score_variant_pairs(model.forward, pairs, model.logits, batch_size);
  write_file_atomically(output, analysis::variant_scores_tsv(pairs, model.task_names, scores));
  spdlog::info("score-variants: {} variants -> {}", pairs.size(), output);
  return 0;
}

}  // namespace evoaug::cli
