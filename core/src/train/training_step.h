// One training batch, from rows of the split to an optimizer step, in two parts that
// `evoaug run` and `evoaug bench train` share (so the benchmark times the real thing):
//  - BatchPreparer: gather the rows, move them to the device (uint8, through pinned
//    memory on CUDA), widen to float32 and augment (pretraining) or pad (fine-tuning).
//    It runs on the prefetch worker thread, ahead of the step.
//  - TrainingStep: forward (under autocast for bf16/fp16), loss, backward (with loss
//    scaling for fp16), optimizer step.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>

#include "data/batches.h"
#include "evoaug/augment_pipeline.h"
#include "evoaug/sdk/model.h"
#include "train/train_config.h"

namespace torch::optim {
class Optimizer;
}

namespace evoaug {

class GradientReducer;

enum class LossKind { mse, bce };
/// "auto" picks from the model's output kind.
LossKind resolve_loss(const std::string& setting, sdk::OutputKind kind);
at::Tensor loss_value(LossKind loss, const at::Tensor& outputs, const at::Tensor& targets);

/// A batch ready for the model, on the training device.
struct TrainingBatch {
  at::Tensor x;  ///< (B, A, L') float32, augmented or padded
  at::Tensor y;  ///< (B, T) float32
  std::int64_t size() const { return x.size(0); }
};

class BatchPreparer {
 public:
  /// Batch b of `epoch` draws its augmentation from its own generator, seeded from
  /// (`epoch_seed`, b): batches can be prepared on another thread, ahead, or again after
  /// a resume, and always come out the same.
  /// In a data-parallel run, rank `part` of `parts` prepares its share of each batch
  /// (BatchLoader::share_of) and augments it from a generator seeded from (`epoch_seed`,
  /// b, rank).
  BatchPreparer(BatchLoader::Epoch epoch, const AugmentPipeline& augment, bool augmenting, c10::Device device,
                std::uint64_t epoch_seed, int part = 0, int parts = 1);
  TrainingBatch operator()(std::int64_t index) const;

 private:
  BatchLoader::Epoch epoch_;
  const AugmentPipeline* augment_;
  bool augmenting_;
  c10::Device device_;
  std::uint64_t epoch_seed_;
  int part_, parts_;
};

class TrainingStep {
 public:
  TrainingStep(sdk::Model& model, const StageSettings& settings, LossKind loss, Precision precision,
               c10::Device device);
  ~TrainingStep();

  /// Trains on `batch`; returns its mean loss (a host synchronisation: the NaN guard and
  /// the progress report need the value). With a gradient reducer, `batch` is this rank's
  /// share, and the loss returned and the gradient stepped are the global batch's.
  double run(const TrainingBatch& batch);

  /// Data-parallel training: gradients are averaged across ranks by `reducer` (which
  /// must outlive the step), or not (nullptr).
  void set_gradient_reducer(GradientReducer* reducer);

  torch::optim::Optimizer& optimizer();
  void set_learning_rate(double learning_rate);
  /// Optimizer steps skipped because float16 gradients overflowed (fp16 only).
  std::int64_t skipped_steps() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Checks that `precision` can run on `device` (fp16 needs CUDA). Throws Error naming
/// [runtime] precision otherwise.
void check_precision(Precision precision, c10::Device device);

}  // namespace evoaug
