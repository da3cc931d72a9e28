// One training stage: the epoch loop with validation, the paper's schedule, checkpoints
// (best and last), the NaN guard, interruption after a batch, and the test of the best
// weights. Used for both pretraining (augmented batches) and fine-tuning (padded only).
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <filesystem>
#include <functional>

#include "evoaug/augment_pipeline.h"
#include "evoaug/dataset.h"
#include "evoaug/training_results.h"
#include "evoaug/sdk/model.h"
#include "train/checkpoint.h"
#include "train/seeds.h"
#include "train/train_config.h"
#include "train/training_step.h"

namespace evoaug {

class Communicator;

/// What one stage needs. References must outlive train_stage().
struct StageRun {
  sdk::Model* model = nullptr;
  const Dataset* data = nullptr;
  const AugmentPipeline* augment = nullptr;
  StageSettings settings;
  LossKind loss = LossKind::mse;
  c10::Device device = c10::kCPU;
  Precision precision = Precision::fp32;
  /// Training batches prepared ahead on a worker thread (0: prepared in turn, on the
  /// training thread). The batches, and so the results, are the same either way.
  int prefetch = 2;
  std::uint64_t seed = 0;
  std::int64_t eval_batch_size = 256;
  std::filesystem::path best_checkpoint;
  std::filesystem::path last_checkpoint;
  std::filesystem::path metrics_csv;
  /// Copied into every checkpoint: configuration, source, components, and the metrics.csv
  /// rows of earlier stages (with its header) in history_csv.
  CheckpointState identity;
  Callbacks callbacks;
  std::function<bool()> stop_requested;     ///< checked after each batch
  const Checkpoint* resume = nullptr;       ///< this stage's last checkpoint, to continue from
  /// Data-parallel training (nullptr: one process). Every rank calls train_stage() with
  /// the same settings; each trains on its share of every batch, the gradients are
  /// averaged, evaluation is sharded and its predictions gathered, and only rank 0 writes
  /// checkpoints and metrics.csv. docs/distributed.md has the rules.
  Communicator* communicator = nullptr;
  /// With a communicator: batch normalisation's statistics over all ranks.
  bool sync_batch_norm = false;
};

/// Trains, leaves the best weights in the model, tests them. Throws Error when the loss
/// becomes NaN or infinite (the best checkpoint so far stays), Interrupted after writing
/// the last checkpoint when stop_requested() turns true.
StageResult train_stage(const StageRun& run);

/// Loss and metrics of `model` on `split`, without augmentation (padding only, or the
/// pipeline's for_evaluation()), the same padding every call for a given seed.
/// With a communicator, every rank predicts its share of the split and the metrics are
/// computed from all the predictions, gathered (the same on every rank).
Metrics evaluate_split(sdk::Model& model, const Split& split, const AugmentPipeline& augment, LossKind loss,
                       const std::vector<std::string>& task_names, c10::Device device, std::int64_t batch_size,
                       std::uint64_t seed, Communicator* communicator = nullptr);

/// The training batches of an epoch of `sequences` at a global `batch_size` over `ranks`:
/// a last batch that would leave a rank fewer than two sequences (one in a single
/// process) is dropped, since batch normalisation cannot train on one.
std::int64_t training_batches(std::int64_t sequences, std::int64_t batch_size, int ranks);

/// Raw model outputs (N, T) for `x` (N, A, L), on the CPU, in batches.
at::Tensor predict_outputs(sdk::Model& model, const at::Tensor& x, const AugmentPipeline& augment,
                           c10::Device device, std::int64_t batch_size, std::uint64_t seed);

}  // namespace evoaug
