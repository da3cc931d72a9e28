// Embedding evoaug: train a model from a C++ program, without the command-line host.
//
//   evoaug_embed_example                         a built-in demo pipeline (synthetic data)
//   evoaug_embed_example P.toml [--set k=v]...   any pipeline file, with overrides
//   ... [--plugin LIB.so]... [--out DIR]
//
// It loads the built-in plugins (and any --plugin library), builds the pipeline, prints
// its summary, runs both stages with a progress callback per batch and a line per epoch,
// and prints the test metrics of each stage. See docs/embedding.md.
#include <evoaug/runtime.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace {

// A run small enough for a demo: 800 synthetic sequences, a few epochs.
constexpr const char* kDemoPipeline = R"toml(
[runtime]
seed = 3
threads = 2

[data]
format = "synthetic"
num_sequences = 800

[model]
type = "chip_cnn"

[augment]
max_augs_per_seq = 2

[[augment.ops]]
type = "mutation"
mutate_frac = 0.05

[[augment.ops]]
type = "translocation"
shift_max = 20

[[augment.ops]]
type = "reverse_complement"
rc_prob = 0.5

[pretrain]
max_epochs = 3
batch_size = 64

[finetune]
max_epochs = 1
batch_size = 64
)toml";

struct Arguments {
  std::string pipeline;  // empty: the demo pipeline
  std::vector<std::string> overrides;
  std::vector<std::filesystem::path> plugins;
  std::filesystem::path output_dir;
};

Arguments parse_arguments(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw evoaug::Error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--set") args.overrides.push_back(value());
    else if (arg == "--plugin") args.plugins.emplace_back(value());
    else if (arg == "--out") args.output_dir = value();
    else if (!arg.empty() && arg[0] != '-' && args.pipeline.empty()) args.pipeline = arg;
    else throw evoaug::Error("unexpected argument '" + arg + "' (usage: evoaug_embed_example [P.toml] "
                             "[--set table.key=value]... [--plugin LIB.so]... [--out DIR])");
  }
  return args;
}

void print_metrics(const std::string& title, const evoaug::Metrics& metrics) {
  std::printf("%s: loss %.4f", title.c_str(), metrics.loss);
  for (const auto& [name, value] : metrics.mean) std::printf(", %s %.4f", name.c_str(), value);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Arguments args = parse_arguments(argc, argv);

    // A runtime owns its plugin registry: the built-in plugins are scanned from the
    // default folders; more libraries can be loaded by path.
    evoaug::Runtime runtime;
    for (const auto& plugin : args.plugins) runtime.plugins().load(plugin);

    std::vector<std::string> overrides = args.overrides;
    const std::filesystem::path output_dir =
        args.output_dir.empty() ? std::filesystem::temp_directory_path() / "evoaug-embed-example" : args.output_dir;
    overrides.push_back("runtime.output_dir=" + output_dir.string());

    // From a file or from TOML text; both are validated completely here.
    evoaug::Pipeline pipeline = args.pipeline.empty()
                                    ? runtime.parse(kDemoPipeline, "<demo pipeline>", overrides)
                                    : runtime.load(args.pipeline, overrides);
    std::cout << pipeline.summary() << "\n";

    evoaug::Callbacks callbacks;
    std::int64_t batches_seen = 0;
    callbacks.on_stage_start = [](const std::string& stage, const torch::nn::Module& model) {
      std::size_t parameters = 0;
      for (const auto& p : model.parameters()) parameters += static_cast<std::size_t>(p.numel());
      std::printf("-- %s: %zu parameters\n", stage.c_str(), parameters);
    };
    callbacks.on_batch = [&](const evoaug::BatchProgress& progress) {
      ++batches_seen;
      if (progress.batch == progress.batches)  // the last batch of the epoch
        std::printf("   %s epoch %d/%d: %lld batches, train loss %.4f, %.0f seq/s\n", progress.stage.c_str(),
                    progress.epoch, progress.max_epochs, static_cast<long long>(progress.batches), progress.loss,
                    progress.sequences_per_second);
    };
    callbacks.on_epoch = [](const evoaug::EpochSummary& epoch) {
      std::printf("   %s epoch %d: valid loss %.4f%s\n", epoch.stage.c_str(), epoch.epoch, epoch.valid_loss,
                  epoch.improved ? " (best so far)" : "");
    };

    // The demo's folder is its own: running it again replaces the previous demo's results
    // (a fresh run refuses a folder holding an earlier run unless told to overwrite it).
    evoaug::RunOptions options;
    options.overwrite = true;
    const evoaug::RunResult result = pipeline.run(callbacks, options);

    std::printf("\nran on %s, seed %llu, %lld training batches; outputs in %s\n", result.device.c_str(),
                static_cast<unsigned long long>(result.seed), static_cast<long long>(batches_seen),
                result.output_dir.string().c_str());
    bool finite = !result.stages.empty();
    for (const auto& stage : result.stages) {
      print_metrics(stage.stage + " test (best epoch " + std::to_string(stage.best_epoch) + ")", stage.test);
      finite = finite && std::isfinite(stage.test.loss);
    }
    if (!finite || batches_seen == 0) {
      std::cerr << "evoaug_embed_example: the run produced no finite test loss\n";
      return 1;
    }
    return 0;
  } catch (const evoaug::Error& e) {
    std::cerr << "evoaug_embed_example: error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "evoaug_embed_example: error: " << e.what() << "\n";
  }
  return 1;
}
