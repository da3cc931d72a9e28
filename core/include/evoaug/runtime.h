// The embedding API: everything `evoaug run` does, for an application that links
// EvoAug::core instead of calling the CLI (the CLI's commands are thin wrappers over it).
//
//   evoaug::Runtime runtime;                                  // its own plugin registry
//   evoaug::Pipeline pipeline = runtime.load("P.toml", {"pretrain.max_epochs=5"});
//   evoaug::Callbacks callbacks;
//   callbacks.on_epoch = [](const evoaug::EpochSummary& e) { std::cout << e.valid_loss << "\n"; };
//   evoaug::RunResult result = pipeline.run(callbacks);        // pretrain, fine-tune, test
//   double auroc = result.stages.back().test.mean.at("auroc");
//
// Every failure is thrown as evoaug::Error with a message a user can act on.
// Nothing here is process-wide except what LibTorch itself keeps so: the intra-op thread
// count ([runtime] threads), the default generator that dropout draws from, which a
// stage seeds before it starts, and the CPU allocator (Options::cache_cpu_memory). Two Runtime instances can coexist, each with its plugins.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "evoaug/error.h"
#include "evoaug/plugin_registry.h"
#include "evoaug/training_results.h"

namespace evoaug {

struct RunOptions {
  /// Continue from the checkpoints in output_dir instead of starting afresh; reaches the
  /// same result as an uninterrupted run (CPU, one thread).
  bool resume = false;
  /// Install SIGINT/SIGTERM handlers for the run: the current batch finishes, a checkpoint
  /// is written and the run throws Interrupted. Off by default for embedding applications
  /// (the handlers are process-wide); the CLI turns it on.
  bool handle_signals = false;
  /// Let a fresh run replace the results of an earlier one in output_dir: the checkpoints
  /// of the stages it writes, and a report.json of those stages only (a report that holds
  /// another stage is kept aside, never replaced). Without it, a fresh run refuses a folder
  /// that holds such files. Combined with `resume` it is an Error (one continues the
  /// earlier run, the other replaces it).
  bool overwrite = false;
};

class Runtime;

/// A validated pipeline file: configuration, plugins and model are checked when it is
/// built. Keeps its Runtime's plugins alive. Not copyable; movable.
class Pipeline {
 public:
  ~Pipeline();
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;

  /// What `evoaug check` prints: data shape, augmentations, model layers, parameters.
  std::string summary() const;
  /// Loads the data as a run does (whole files: every sequence, label and length checked)
  /// and lets it go; throws what a run would throw before training. One line with the
  /// split sizes. `evoaug check` calls it unless told --header-only.
  std::string check_data() const;
  /// The configuration with every default filled in, as TOML.
  std::string resolved_toml() const;
  std::filesystem::path output_dir() const;

  /// Pretraining, fine-tuning from its best weights, testing both; writes report.json,
  /// metrics.csv and the checkpoints in output_dir. A stage switched off in the file
  /// ([finetune] enabled = false) is skipped.
  RunResult run(const Callbacks& callbacks = {}, const RunOptions& options = {});
  /// The pretraining stage only (and its test).
  RunResult pretrain(const Callbacks& callbacks = {}, const RunOptions& options = {});
  /// The fine-tuning stage only, starting from the weights in `checkpoint`.
  RunResult finetune(const std::filesystem::path& checkpoint, const Callbacks& callbacks = {},
                     const RunOptions& options = {});
  /// Test metrics of the weights in `checkpoint`.
  Metrics evaluate(const std::filesystem::path& checkpoint);
  /// Writes a TSV of predictions for the sequences of a FASTA or HDF5 file (one row per
  /// sequence: id, then one column per task; logits become probabilities). An `output`
  /// that is `checkpoint` or `input` (through links too), or a folder, is an Error; an
  /// existing file is replaced atomically.
  void predict(const std::filesystem::path& checkpoint, const std::filesystem::path& input,
               const std::filesystem::path& output);

  /// A checkpoint's model for the analyses (evoaug attribute, filters, score-variants).
  struct AnalysisModel {
    std::shared_ptr<torch::nn::Module> module;  ///< the loaded model, in eval mode
    c10::Device device = c10::kCPU;
    std::int64_t alphabet = 0, length = 0;       ///< the data's shape, before any padding
    std::vector<std::string> task_names;
    bool logits = false;                         ///< outputs are logits (a classifier)
    /// One-hot (N, A, length) on any device to raw outputs (N, T) on the CPU: the
    /// pipeline's evaluation padding (fixed random DNA after the sequence, as evaluate
    /// pads) then the model; differentiable in its input. Valid while this Pipeline lives.
    std::function<at::Tensor(const at::Tensor&)> forward;
  };
  /// Loads `checkpoint`'s weights into this pipeline's model (same checks as evaluate).
  AnalysisModel analysis_model(const std::filesystem::path& checkpoint) const;

  /// Asks a running stage to stop after its current batch (thread-safe). Asked before a
  /// run starts, it stops that run after its first batch; the request ends with the run.
  void request_stop();

 private:
  friend class Runtime;
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Owns a plugin registry and builds pipelines with it.
class Runtime {
 public:
  struct Options {
    /// Scan default_plugin_folders() (the built-in plugins) on construction.
    bool scan_default_folders = true;
    /// Further folders to scan.
    std::vector<std::filesystem::path> plugin_folders;
    /// Install the caching CPU allocator (evoaug/cpu_memory.h): large freed blocks are
    /// kept for reuse instead of going back to the system, which makes a CPU training
    /// step several times faster. Process-wide, like LibTorch's allocator it replaces.
    bool cache_cpu_memory = true;
  };
  Runtime();
  explicit Runtime(Options options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The registry: load() more plugin libraries, list components.
  PluginRegistry& plugins();

  /// Builds a pipeline from a file. `overrides` are "table.key=value" strings, as after
  /// `--set` on the command line. Errors name file, line and column.
  Pipeline load(const std::filesystem::path& file, const std::vector<std::string>& overrides = {});
  /// The same from TOML text; relative paths resolve against `base_dir`.
  Pipeline parse(const std::string& toml_text, const std::string& source_name = "<pipeline>",
                 const std::vector<std::string>& overrides = {},
                 const std::filesystem::path& base_dir = std::filesystem::current_path());
  /// The pipeline a checkpoint was trained with (its resolved configuration).
  Pipeline from_checkpoint(const std::filesystem::path& checkpoint,
                           const std::vector<std::string>& overrides = {});

 private:
  std::shared_ptr<PluginRegistry> registry_;
};

}  // namespace evoaug
