// What `evoaug check` prints about a model: its layers with their output shapes and the
// number of trainable parameters.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <string>

#include "evoaug/sdk/model.h"

namespace evoaug {

/// Number of trainable values: the sum of numel() over parameters(), recursively
/// (batch-norm running statistics are buffers and do not count), as PyTorch counts.
std::int64_t count_parameters(const torch::nn::Module& module);

/// A table of the model's layers for input `shape`, one row per layer with its output
/// shape ("N" for the batch) and its parameters, ending with the line `parameters: N`.
/// A zero batch runs through the model in eval mode without gradients (the mode is
/// restored). Children that are torch::nn::Sequential are walked entry by entry, so
/// each block gets a row; a model whose children cannot be run one by one gets a row
/// per child (parameters only) and a row for the model's output.
std::string summarize_model(sdk::Model& model, const sdk::ModelShape& shape);

}  // namespace evoaug
