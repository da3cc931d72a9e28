// The core's own pipeline tables: [runtime], [pretrain], [finetune], [evaluate]. Each is
// declared once as an sdk::Schema (the defaults are the paper's) and validated like a
// plugin's parameters, so a typo is an error with file, line and column.
#pragma once

#include <cstdint>
#include <string>

#include "evoaug/sdk/params.h"
#include "pipeline/pipeline_file.h"
#include "train/schedule.h"

namespace evoaug {

/// The arithmetic of training steps (evaluation always runs in float32).
enum class Precision { fp32, bf16, fp16 };
Precision parse_precision(const std::string& name);
std::string precision_name(Precision precision);

struct RuntimeSettings {
  std::string device = "auto";  ///< auto | cpu | cuda | cuda:N
  bool require_device = false;  ///< no fallback to the CPU when `device` asks for CUDA
  int threads = 0;              ///< 0: LibTorch's default
  std::uint64_t seed = 0;
  std::string output_dir;       ///< resolved against the pipeline file's folder
  Precision precision = Precision::fp32;
  int prefetch = 2;             ///< batches prepared ahead on a worker thread; 0: in turn
  std::string backend = "auto"; ///< multi-process collectives: auto | gloo | nccl
  int distributed_timeout_s = 300;  ///< how long a rank waits for the others
  bool sync_batchnorm = false;  ///< batch statistics over all ranks (else each rank's own)
};

/// One training stage (pretrain or finetune).
struct StageSettings {
  std::string name;
  bool enabled = true;
  bool augment = true;  ///< pretrain only: false trains without augmentation (the baseline)
  std::string optimizer = "adam";
  double learning_rate = 1e-3;
  double weight_decay = 1e-6;
  int max_epochs = 100;
  std::int64_t batch_size = 128;
  std::string loss = "auto";  ///< auto | mse | bce
  ScheduleSettings schedule;
};

struct EvaluateSettings {
  std::int64_t batch_size = 256;
};

sdk::Schema runtime_table_schema();
/// "pretrain" or "finetune": the same keys, with each stage's paper defaults.
sdk::Schema stage_table_schema(const std::string& stage);
sdk::Schema evaluate_table_schema();

RuntimeSettings read_runtime_settings(const PipelineFile& file);
StageSettings read_stage_settings(const PipelineFile& file, const std::string& stage);
EvaluateSettings read_evaluate_settings(const PipelineFile& file);

}  // namespace evoaug
