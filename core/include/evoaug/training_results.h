// What training reports: metrics, per-batch and per-epoch progress, a stage's and a run's
// result, and the callbacks that receive them. Part of the embedding API
// (evoaug/runtime.h includes it), in a header of its own so that the training layer can
// report in these types without depending on the Runtime and Pipeline above it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "evoaug/error.h"

namespace torch::nn {
class Module;
}

namespace evoaug {

/// Metrics of one split: per task and their mean over tasks. Regression models get
/// "mse", "pearson", "spearman"; classifiers "auroc", "aupr", "accuracy". A value that
/// is undefined (AUROC of a task whose labels are all one class) is NaN and left out of
/// the mean.
struct Metrics {
  double loss = 0.0;
  std::vector<std::string> tasks;                       ///< task names, in output order
  std::map<std::string, std::vector<double>> per_task;  ///< metric name -> one value per task
  std::map<std::string, double> mean;                   ///< metric name -> mean over tasks
};

/// Reported after every training batch.
struct BatchProgress {
  std::string stage;  ///< "pretrain" or "finetune"
  int epoch = 0;      ///< 1-based
  int max_epochs = 0;
  std::int64_t batch = 0;    ///< 1-based, within the epoch
  std::int64_t batches = 0;  ///< per epoch
  double loss = 0.0;         ///< mean training loss of the epoch so far
  double sequences_per_second = 0.0;
  double eta_seconds = 0.0;  ///< until the end of this epoch
};

/// Reported after every epoch (one row of metrics.csv).
struct EpochSummary {
  std::string stage;
  int epoch = 0;
  double train_loss = 0.0;
  double valid_loss = 0.0;
  double learning_rate = 0.0;  ///< the rate this epoch trained with
  Metrics valid;
  double seconds = 0.0;
  /// Of `seconds`, the time the training loop waited for its next batch (gathered and
  /// augmented on the prefetch worker): near 0 when batch preparation hides behind the step.
  double data_wait_seconds = 0.0;
  bool improved = false;  ///< a new best validation loss (the best checkpoint was written)
};

/// One training stage that ran, and its best weights' test metrics.
struct StageResult {
  std::string stage;
  int epochs_run = 0;
  int best_epoch = 0;
  double best_valid_loss = 0.0;
  std::string stop_reason;  ///< "max_epochs" or "early_stopping"
  double seconds = 0.0;
  Metrics test;
  std::filesystem::path best_checkpoint;
  /// Training speed in this session (batches only, without validation): sequences of the
  /// global batch per second, and per step the time a data-parallel run waited for its
  /// gradient all-reduces after backward (0 in a single process).
  double sequences_per_second = 0.0;
  double communication_ms_per_step = 0.0;
};

/// What run() / pretrain() / finetune() produced; also written to report.json.
struct RunResult {
  std::vector<StageResult> stages;
  std::filesystem::path output_dir;
  std::string device;  ///< where it ran, e.g. "cpu" or "cuda:0" (rank 0's device)
  std::uint64_t seed = 0;
  /// A multi-process run (docs/distributed.md): this process's rank, the number of ranks
  /// and the collectives' backend ("" in a single process). Every rank returns the same
  /// stages; only rank 0 wrote the outputs.
  int rank = 0;
  int world_size = 1;
  std::string backend;
};

/// Hooks into training. Each may be left empty. They run on the training thread, between
/// batches; Pipeline::request_stop() may be called from them (or from any thread).
struct Callbacks {
  std::function<void(const BatchProgress&)> on_batch;
  std::function<void(const EpochSummary&)> on_epoch;
  /// Before a stage's first batch, with the model as it starts that stage (fine-tuning
  /// starts from the best pretraining weights).
  std::function<void(const std::string& stage, const torch::nn::Module& model)> on_stage_start;
};

/// Thrown when a run stops early on request (a signal or request_stop()) after writing a
/// checkpoint; the message says how to resume.
class EVOAUG_SDK_VISIBLE Interrupted : public Error {
 public:
  using Error::Error;
};

}  // namespace evoaug
