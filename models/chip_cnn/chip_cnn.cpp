// The ChIP-seq CNN of the EvoAug paper (Methods, "Models and datasets"): three conv
// blocks (64x7 pool 4, 96x5 pool 4, 128x5 pool 2; each conv without bias, 'same',
// BatchNorm, ReLU, max-pool, then dropout 0.2), one 256-unit fully connected block
// with bias (BatchNorm, ReLU, dropout 0.5) and an output of T logits. Conv weights:
// Kaiming uniform, as in the reference implementation.
#include <evoaug/sdk/layers.h>
#include <evoaug/sdk/plugin.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

namespace {

namespace sdk = evoaug::sdk;
namespace layers = evoaug::sdk::layers;

struct ChipCnnOptions {
  ChipCnnOptions(std::int64_t length, std::int64_t tasks) : length_(length), tasks_(tasks) {}
  /// Input length L (including any insertion padding); sizes the dense layer.
  TORCH_ARG(std::int64_t, length);
  /// Number of outputs T (logits).
  TORCH_ARG(std::int64_t, tasks);
  /// Alphabet size A (input channels).
  TORCH_ARG(std::int64_t, alphabet) = 4;
  /// Filters of the first convolution.
  TORCH_ARG(std::int64_t, conv1_filters) = 64;
  /// Dropout after each convolutional block's activation.
  TORCH_ARG(double, conv_dropout) = 0.2;
  /// Dropout after the fully connected block, before the output.
  TORCH_ARG(double, dropout) = 0.5;
};

class ChipCnn final : public sdk::Model {
 public:
  explicit ChipCnn(const ChipCnnOptions& options) : options_(options) {
    TORCH_CHECK(options.tasks() > 0, "ChipCnn: tasks must be positive, got ", options.tasks());
    TORCH_CHECK(options.alphabet() > 0, "ChipCnn: alphabet must be positive, got ", options.alphabet());
    TORCH_CHECK(options.conv1_filters() > 0, "ChipCnn: conv1_filters must be positive, got ", options.conv1_filters());
    const std::int64_t flat_length = layers::pooled_length("chip_cnn", options.length(), {4, 4, 2});
    const auto conv = [&](std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t pool) {
      return layers::ConvBlock(layers::ConvBlockOptions(in, out, kernel)
                                   .pool(pool)
                                   .dropout(options.conv_dropout())
                                   .init(layers::ConvInit::kaiming_uniform));
    };
    layers_ = register_module("layers", torch::nn::Sequential());
    layers_->push_back("conv1", conv(options.alphabet(), options.conv1_filters(), 7, 4));
    layers_->push_back("conv2", conv(options.conv1_filters(), 96, 5, 4));
    layers_->push_back("conv3", conv(96, 128, 5, 2));
    layers_->push_back("flatten", torch::nn::Flatten());
    layers_->push_back("fc1", layers::DenseBlock(layers::DenseBlockOptions(128 * flat_length, 256)
                                                      .dropout(options.dropout())));
    layers_->push_back("output", torch::nn::Linear(256, options.tasks()));
  }

  at::Tensor forward(const at::Tensor& x) override {
    layers::check_input(x, "chip_cnn", options_.alphabet(), options_.length());
    return layers_->forward(x);
  }

  sdk::OutputKind output_kind() const override { return sdk::OutputKind::logits; }

 private:
  ChipCnnOptions options_;
  torch::nn::Sequential layers_{nullptr};
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_model(
      {"chip_cnn", "1.0.0", "ChIP-seq CNN: 3 conv blocks with dropout, a 256-unit dense block, logits",
       sdk::Schema()
           .integer("tasks", 0, "number of outputs T; 0 takes it from the data, otherwise it must match the data", 0)
           .integer("conv1_filters", 64, "filters of the first convolution (paper: 64)", 1, 4096)
           .real("conv_dropout", 0.2, "dropout after each convolutional block (paper: 0.2); less than 1", 0.0, 1.0)
           .real("dropout", 0.5, "dropout before the output layer (paper: 0.5); less than 1", 0.0, 1.0),
       [](const sdk::Params& params, const sdk::ModelShape& shape) -> std::unique_ptr<sdk::Model> {
         return std::make_unique<ChipCnn>(ChipCnnOptions(shape.length, layers::resolve_tasks(params, shape))
                                              .alphabet(shape.alphabet)
                                              .conv1_filters(params.integer("conv1_filters"))
                                              .conv_dropout(layers::read_dropout(params, "conv_dropout"))
                                              .dropout(layers::read_dropout(params, "dropout")));
       }});
}

}  // namespace

EVOAUG_PLUGIN("chip_cnn", "1.0.0", register_components)
