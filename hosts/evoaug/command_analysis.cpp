// evoaug attribute, score-variants, filters: the paper's interpretability analyses on a
// trained model. Each parses its options into a request of the public analysis API
// (evoaug/analysis.h); the model comes from a checkpoint (or a run folder's best
// checkpoint) with the configuration stored in it, or the pipeline file given.
#include <iostream>
#include <sstream>

#include "cli_args.h"
#include "commands.h"
#include "evoaug/analysis.h"
#include "evoaug/error.h"
#include "evoaug/runtime.h"

namespace evoaug::cli {
namespace {

// The checkpoint named by --checkpoint or the RUN_DIR argument.
std::filesystem::path checkpoint_of(const Args& args, const std::string& command) {
  std::string given;
  if (auto value = args.value("--checkpoint")) given = *value;
  else if (!args.positional().empty()) given = args.positional(0, "RUN_DIR");
  else throw Error(command + ": give a run folder (RUN_DIR) or --checkpoint CKPT");
  return resolve_checkpoint(given);
}

// The checkpoint's own configuration, or the --pipeline file's, with --set overrides.
Pipeline analysis_pipeline(Runtime& runtime, const Args& args, const std::filesystem::path& checkpoint) {
  return args.value("--pipeline") ? runtime.load(*args.value("--pipeline"), args.values("--set"))
                                  : runtime.from_checkpoint(checkpoint, args.values("--set"));
}

Runtime analysis_runtime(const HostContext& host) {
  Runtime::Options options;
  options.plugin_folders = host.extra_plugin_folders;
  return Runtime(options);
}

}  // namespace

int command_attribute(const HostContext& host, const Argv& argv) {
  Args args("evoaug attribute", argv,
            {"--checkpoint", "--in", "--data", "--method", "--task", "--n", "--references", "--batch-size", "--seed",
             "--logos", "--out", "--set", "--pipeline"},
            {"--no-correction", "--force", "--truth"});
  args.expect_at_most(1);
  const std::filesystem::path checkpoint = checkpoint_of(args, "evoaug attribute");
  AttributeRequest request;
  request.input = args.value("--in") ? *args.value("--in") : args.required("--data");
  request.output = args.required("--out");
  request.method = args.value("--method").value_or("saliency");
  request.task = args.value("--task").value_or("0");
  request.correct = !args.flag("--no-correction");
  request.references = args.integer("--references", 1000);
  request.batch_size = args.integer("--batch-size", 128);
  request.seed = static_cast<std::uint64_t>(args.integer("--seed", 1));
  request.limit = args.integer("--n", 0);
  request.logos = args.integer("--logos", 3);
  request.truth = args.flag("--truth");
  request.replace_existing = args.flag("--force");
  if (request.limit < 0) throw Error("evoaug attribute: --n must be 0 (all) or more, not " + std::to_string(request.limit));
  if (request.batch_size < 1) throw Error("evoaug attribute: --batch-size must be at least 1");

  Runtime runtime = analysis_runtime(host);
  const Pipeline pipeline = analysis_pipeline(runtime, args, checkpoint);
  std::cout << write_attributions(pipeline, checkpoint, request);
  return 0;
}

int command_score_variants(const HostContext& host, const Argv& argv) {
  Args args("evoaug score-variants", argv,
            {"--checkpoint", "--pairs", "--vcf", "--reference", "--out", "--batch-size", "--set", "--pipeline",
             "--task"},
            {"--force"});
  args.expect_at_most(1);
  ScoreVariantsRequest request;
  request.pairs = args.value("--pairs").value_or("");
  request.vcf = args.value("--vcf").value_or("");
  request.reference = args.value("--reference").value_or("");
  request.task = args.value("--task").value_or("0");
  request.replace_existing = args.flag("--force");
  // Also checked by write_variant_scores; here before the checkpoint is read.
  if (args.value("--pairs").has_value() == args.value("--vcf").has_value())
    throw Error("evoaug score-variants: give either --pairs PAIRS.tsv or --vcf V.vcf with --reference GENOME.fa");
  if (args.value("--vcf") && !args.value("--reference"))
    throw Error("evoaug score-variants: --vcf needs --reference GENOME.fa (the genome the VCF's positions refer to)");
  const std::filesystem::path checkpoint = checkpoint_of(args, "evoaug score-variants");
  request.output = args.required("--out");
  request.batch_size = args.integer("--batch-size", 128);
  if (request.batch_size < 1) throw Error("evoaug score-variants: --batch-size must be at least 1");

  Runtime runtime = analysis_runtime(host);
  const Pipeline pipeline = analysis_pipeline(runtime, args, checkpoint);
  std::cout << write_variant_scores(pipeline, checkpoint, request);
  return 0;
}

int command_filters(const HostContext& host, const Argv& argv) {
  Args args("evoaug filters", argv,
            {"--checkpoint", "--in", "--data", "--out", "--threshold", "--n", "--motifs", "--exclude", "--shuffles",
             "--seed", "--batch-size", "--set", "--pipeline"},
            {"--euclidean", "--no-logos"});
  args.expect_at_most(1);
  const std::filesystem::path checkpoint = checkpoint_of(args, "evoaug filters");
  FiltersRequest request;
  request.input = args.value("--in") ? *args.value("--in") : args.required("--data");
  request.output_dir = args.required("--out");
  if (auto text = args.value("--threshold")) {
    try {
      request.threshold = std::stod(*text);
    } catch (const std::exception&) {
      throw Error("evoaug filters: --threshold expects a number between 0 and 1, got '" + *text + "'");
    }
  }
  request.limit = args.integer("--n", 0);
  request.batch_size = args.integer("--batch-size", 256);
  if (request.limit < 0 || request.batch_size < 1)
    throw Error("evoaug filters: --n must be 0 (all) or more and --batch-size at least 1");
  request.logos = !args.flag("--no-logos");
  request.motifs = args.value("--motifs").value_or("");
  for (const auto& list : args.values("--exclude")) {
    std::istringstream items(list);
    for (std::string id; std::getline(items, id, ',');)
      if (!id.empty()) request.exclude.push_back(id);
  }
  request.euclidean = args.flag("--euclidean");
  request.shuffles = args.integer("--shuffles", 1000);
  request.seed = static_cast<std::uint64_t>(args.integer("--seed", 1));

  Runtime runtime = analysis_runtime(host);
  const Pipeline pipeline = analysis_pipeline(runtime, args, checkpoint);
  std::cout << write_filter_motifs(pipeline, checkpoint, request);
  return 0;
}

}  // namespace evoaug::cli
