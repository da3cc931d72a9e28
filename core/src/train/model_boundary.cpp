#include "train/model_boundary.h"

#include "plugin/plugin_boundary.h"

namespace evoaug {

at::Tensor forward_at_boundary(sdk::Model& model, const at::Tensor& x) {
  try {
    return model.forward(x);
  } catch (...) {
    rethrow_at_plugin_boundary(describe_component("model", model), "forward()");
  }
}

void backward_at_boundary(const sdk::Model& model, const at::Tensor& loss) {
  try {
    loss.backward();
  } catch (...) {
    rethrow_at_plugin_boundary(describe_component("model", model), "backward()");
  }
}

}  // namespace evoaug
