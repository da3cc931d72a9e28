// The Model ABI: what an architecture plugin implements.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "evoaug/sdk/error.h"
#include "evoaug/sdk/params.h"

namespace evoaug::sdk {

/// What a model's raw outputs are; it decides the default loss and metrics.
enum class OutputKind {
  regression,  ///< real values: MSE loss; MSE, Pearson r, Spearman rho
  logits,      ///< binary logits (the sigmoid belongs to the loss): BCE; AUROC, AUPR
};

/// The shape a model is built for.
struct ModelShape {
  std::int64_t alphabet = 4;  ///< A
  std::int64_t length = 0;    ///< L, including any insertion padding
  std::int64_t tasks = 1;     ///< T
};

/// A genomic DNN: a torch::nn::Module mapping (N, A, L) to (N, T) raw outputs.
/// Register every child with `register_module` so that parameters(), to() and
/// save/load see it, as LibTorch's own modules do.
class EVOAUG_SDK_VISIBLE Model : public torch::nn::Module {
 public:
  using torch::nn::Module::Module;
  ~Model() override = default;

  /// (N, A, L) float input to (N, T) raw outputs.
  virtual at::Tensor forward(const at::Tensor& x) = 0;

  /// Whether forward() returns regression values or logits.
  virtual OutputKind output_kind() const = 0;
};

/// Builds a model from validated parameters for `shape`. Throws ParamError (naming the
/// key) for values that cannot work, and Error for a shape the architecture cannot take
/// (an input so short that pooling reaches zero length).
using ModelFactory =
    std::function<std::unique_ptr<Model>(const Params& params, const ModelShape& shape)>;

/// What a plugin registers for one architecture.
struct ModelInfo {
  std::string name;     ///< snake_case id used as `type = "..."` in TOML
  std::string version;  ///< the component's own version
  std::string summary;  ///< one line for `evoaug plugins --describe`
  Schema schema;        ///< its parameters
  ModelFactory factory;
};

}  // namespace evoaug::sdk
