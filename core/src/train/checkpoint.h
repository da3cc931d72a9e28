// Checkpoints: one file per checkpoint, written atomically (temporary file, then rename),
// in PyTorch's own serialization format (torch::pickle_save), so that Python reads it
// with torch.load: `torch.load(path, weights_only=False)["model"]` is a state dict.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "train/schedule.h"

namespace torch::nn {
class Module;
}

namespace evoaug {

/// Everything but the weights.
struct CheckpointState {
  std::string stage;               ///< "pretrain" or "finetune"
  int epoch = 0;                   ///< epochs completed
  std::int64_t batches_done = 0;   ///< batches of epoch + 1 already trained (an interruption)
  bool finished = false;           ///< the stage reached its end
  std::string stop_reason;
  ScheduleState schedule;
  double epoch_loss_sum = 0.0;     ///< of the interrupted epoch so far
  std::int64_t epoch_sequences = 0;
  double stage_seconds = 0.0;      ///< training time spent so far
  std::string history_csv;         ///< metrics.csv as of this checkpoint
  std::string config_toml;         ///< the resolved configuration
  std::string source_name;         ///< the pipeline file it came from
  std::string base_dir;            ///< where its relative paths resolve
  std::vector<std::pair<std::string, std::string>> components;  ///< component name, version
  /// The model's input (A, L) and outputs (T) it was trained for; 0 when unknown (a
  /// checkpoint of format version 1).
  std::int64_t input_alphabet = 0, input_length = 0, tasks = 0;
  std::map<std::string, at::Tensor> generator_states;           ///< random state, by role
  at::Tensor optimizer;            ///< the optimizer's own archive, as bytes (uint8)
};

/// Writes `model`'s parameters and buffers and `state` to `file` atomically.
void save_checkpoint(const std::filesystem::path& file, const torch::nn::Module& model,
                     const CheckpointState& state);

struct Checkpoint {
  CheckpointState state;
  std::map<std::string, at::Tensor> weights;  ///< by dotted name, as in a state dict
};

/// Reads a checkpoint; an unreadable, foreign or damaged file is an Error naming it.
/// What is verified: every tensor's data record holds the bytes its shape needs (before
/// any is read), and the checksum of the payload written with it (format version 2;
/// a version-1 checkpoint, which has none, is read with a warning).
Checkpoint read_checkpoint(const std::filesystem::path& file);

/// The one rule for using a checkpoint's weights on data (evaluate, predict, finetune
/// --from): the model's input alphabet and length and its number of tasks must be those
/// it was trained for. An Error naming the checkpoint and both shapes otherwise.
void require_same_input(const CheckpointState& state, std::int64_t alphabet, std::int64_t length,
                        std::int64_t tasks, const std::filesystem::path& file);

/// Copies `weights` into `model`; a missing, extra or mis-shaped tensor is an Error that
/// names it (the checkpoint belongs to another model or configuration).
void load_weights(torch::nn::Module& model, const std::map<std::string, at::Tensor>& weights,
                  const std::filesystem::path& source);

}  // namespace evoaug
