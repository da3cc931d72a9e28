// What `evoaug bench train` and `evoaug bench compare` time: the trainer's own batch
// preparation (train/training_step.h: gather, to the device, augment or pad) and its
// training step (forward, loss, backward, optimizer), on a paper model at its paper
// length and augmentation settings, with random one-hot data in memory.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "evoaug/augment_pipeline.h"
#include "evoaug/dataset.h"
#include "evoaug/sdk/model.h"
#include "train/train_config.h"
#include "train/training_step.h"

namespace evoaug::cli {

/// The paper's dataset shape and augmentation settings for each built-in model.
struct PaperSetup {
  std::string model;
  std::int64_t length;
  std::int64_t tasks;
  std::string description;
  std::string pipeline;  ///< the [augment] table
};
const std::vector<PaperSetup>& paper_setups();
/// Throws Error naming the known models when `model` is not one of them.
const PaperSetup& find_paper_setup(const std::string& model, const std::string& command);

/// A model ready to train on batches of `batch` random sequences.
class TrainingBench {
 public:
  TrainingBench(const HostContext& host, const PaperSetup& setup, std::int64_t batch, Precision precision,
                c10::Device device, std::uint64_t seed = 2023);
  ~TrainingBench();

  /// Batch `index` of the data (cycling), prepared as training does: augmented, or
  /// padded only (the fine-tuning path).
  TrainingBatch prepare(std::int64_t index, bool augmenting) const;
  /// One training step on `batch`; returns its loss.
  double step(const TrainingBatch& batch);

  std::int64_t parameters() const;
  std::int64_t model_length() const;
  const PaperSetup& setup() const { return setup_; }

 private:
  struct Impl;
  PaperSetup setup_;
  std::unique_ptr<Impl> impl_;
};

/// Splits "1,2" into {1, 2}; each value must be a positive integer.
std::vector<std::int64_t> parse_counts(const std::string& text, const std::string& option);

}  // namespace evoaug::cli
