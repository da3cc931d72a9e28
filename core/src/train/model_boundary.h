// A model plugin's code as the trainer calls it: forward() and the backward pass through
// its layers (which may be the plugin's own autograd functions). What either throws
// reaches the user as an Error naming the model's class and library (plugin_boundary.h).
#pragma once

#include <ATen/core/Tensor.h>

#include "evoaug/sdk/model.h"

namespace evoaug {

at::Tensor forward_at_boundary(sdk::Model& model, const at::Tensor& x);
void backward_at_boundary(const sdk::Model& model, const at::Tensor& loss);

}  // namespace evoaug
