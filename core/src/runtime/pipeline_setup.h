// Everything a pipeline file says, validated: the core's tables, the data's shape (from
// headers only), the augmentation pipeline and the model choice, plus the resolved
// configuration (every default filled in) that reports and checkpoints record.
#pragma once

#include <c10/core/Device.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "evoaug/augment_pipeline.h"
#include "evoaug/dataset.h"
#include "evoaug/plugin_registry.h"
#include "evoaug/sdk/model.h"
#include "pipeline/pipeline_file.h"
#include "train/train_config.h"

namespace evoaug {

struct PipelineSetup {
  PipelineFile file;
  RuntimeSettings runtime;
  StageSettings pretrain, finetune;
  EvaluateSettings evaluate;
  DataHeader data;
  std::optional<AugmentPipeline> augment;
  std::string model_type;
  sdk::Params model_params;
  sdk::ModelShape model_shape;  ///< the input length is the augmentation's output length
  std::vector<std::pair<std::string, std::string>> components;  ///< name, version: model first
  toml::table resolved;

  std::filesystem::path output_dir() const;
  std::string resolved_toml() const;
  std::string resolved_json() const;
};

/// Validates `file` completely (loading the plugins it names into `registry`) and builds
/// the model once to check that it accepts the shape. Errors are positioned.
std::unique_ptr<PipelineSetup> build_setup(PipelineFile file, PluginRegistry& registry);

/// A freshly initialised model on `device`; initialisation is seeded by `seed`.
std::shared_ptr<sdk::Model> make_model(const PipelineSetup& setup, const PluginRegistry& registry,
                                       c10::Device device, std::uint64_t seed);

/// "auto" | "cpu" | "cuda" | "cuda:N" -> the device to use. Without CUDA, "cuda" falls
/// back to the CPU with a warning, or is an error when `required`.
c10::Device resolve_device(const std::string& setting, bool required = false);

}  // namespace evoaug
