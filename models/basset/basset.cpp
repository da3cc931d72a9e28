// Basset as in the EvoAug paper (Methods, "Models and datasets"): three conv blocks
// (300x19 pool 3, 200x11 pool 4, 200x7 pool 4; each conv without bias, 'same',
// BatchNorm, ReLU), two 1000-unit fully connected blocks without bias (BatchNorm,
// ReLU, dropout 0.3) and an output of T logits (161 for the Basset data).
//
// The paper's text gives the last pool as size 2; the public reference implementation
// pools by 4, and its parameter counts (4,529,361 at L = 600) follow from 4, so 4 it is
// (docs/models.md). Conv weights: Kaiming normal, as in the reference.
#include <evoaug/sdk/layers.h>
#include <evoaug/sdk/plugin.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

namespace {

namespace sdk = evoaug::sdk;
namespace layers = evoaug::sdk::layers;

struct BassetOptions {
  BassetOptions(std::int64_t length, std::int64_t tasks) : length_(length), tasks_(tasks) {}
  /// Input length L (including any insertion padding); sizes the first dense layer.
  TORCH_ARG(std::int64_t, length);
  /// Number of outputs T (logits).
  TORCH_ARG(std::int64_t, tasks);
  /// Alphabet size A (input channels).
  TORCH_ARG(std::int64_t, alphabet) = 4;
  /// Filters of the first convolution.
  TORCH_ARG(std::int64_t, conv1_filters) = 300;
  /// Dropout after each fully connected block.
  TORCH_ARG(double, dropout) = 0.3;
};

class Basset final : public sdk::Model {
 public:
  explicit Basset(const BassetOptions& options) : options_(options) {
    TORCH_CHECK(options.tasks() > 0, "Basset: tasks must be positive, got ", options.tasks());
    TORCH_CHECK(options.alphabet() > 0, "Basset: alphabet must be positive, got ", options.alphabet());
    TORCH_CHECK(options.conv1_filters() > 0, "Basset: conv1_filters must be positive, got ", options.conv1_filters());
    const std::int64_t flat_length = layers::pooled_length("basset", options.length(), {3, 4, 4});
    using layers::ConvBlockOptions;
    using layers::DenseBlockOptions;
    layers_ = register_module("layers", torch::nn::Sequential());
    layers_->push_back("conv1", layers::ConvBlock(ConvBlockOptions(options.alphabet(), options.conv1_filters(), 19).pool(3)));
    layers_->push_back("conv2", layers::ConvBlock(ConvBlockOptions(options.conv1_filters(), 200, 11).pool(4)));
    layers_->push_back("conv3", layers::ConvBlock(ConvBlockOptions(200, 200, 7).pool(4)));
    layers_->push_back("flatten", torch::nn::Flatten());
    layers_->push_back("fc1", layers::DenseBlock(
                                  DenseBlockOptions(200 * flat_length, 1000).bias(false).dropout(options.dropout())));
    layers_->push_back("fc2", layers::DenseBlock(DenseBlockOptions(1000, 1000).bias(false).dropout(options.dropout())));
    layers_->push_back("output", torch::nn::Linear(1000, options.tasks()));
  }

  at::Tensor forward(const at::Tensor& x) override {
    layers::check_input(x, "basset", options_.alphabet(), options_.length());
    return layers_->forward(x);
  }

  sdk::OutputKind output_kind() const override { return sdk::OutputKind::logits; }

 private:
  BassetOptions options_;
  torch::nn::Sequential layers_{nullptr};
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_model(
      {"basset", "1.0.0", "Basset: 3 conv blocks, 2 x 1000-unit dense blocks, logits (multitask binary)",
       sdk::Schema()
           .integer("tasks", 0, "number of outputs T; 0 takes it from the data, otherwise it must match the data", 0)
           .integer("conv1_filters", 300, "filters of the first convolution (paper: 300)", 1, 4096)
           .real("dropout", 0.3, "dropout after each fully connected block (paper: 0.3); less than 1", 0.0, 1.0),
       [](const sdk::Params& params, const sdk::ModelShape& shape) -> std::unique_ptr<sdk::Model> {
         return std::make_unique<Basset>(BassetOptions(shape.length, layers::resolve_tasks(params, shape))
                                             .alphabet(shape.alphabet)
                                             .conv1_filters(params.integer("conv1_filters"))
                                             .dropout(layers::read_dropout(params, "dropout")));
       }});
}

}  // namespace

EVOAUG_PLUGIN("basset", "1.0.0", register_components)
