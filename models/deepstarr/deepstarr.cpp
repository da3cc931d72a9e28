// DeepSTARR (paper, Methods, "Models and datasets"): four conv blocks (256x7, 60x3,
// 60x5, 120x3; each conv without bias, 'same', BatchNorm, ReLU, max-pool 2), two
// fully connected blocks of 256 units with bias (BatchNorm, ReLU, dropout 0.4) and a
// linear output of T regression values. Conv weights: Kaiming normal, as in the
// reference implementation.
#include <evoaug/sdk/layers.h>
#include <evoaug/sdk/plugin.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

namespace {

namespace sdk = evoaug::sdk;
namespace layers = evoaug::sdk::layers;

struct DeepStarrOptions {
  DeepStarrOptions(std::int64_t length, std::int64_t tasks) : length_(length), tasks_(tasks) {}
  /// Input length L (including any insertion padding); sizes the first dense layer.
  TORCH_ARG(std::int64_t, length);
  /// Number of outputs T.
  TORCH_ARG(std::int64_t, tasks);
  /// Alphabet size A (input channels).
  TORCH_ARG(std::int64_t, alphabet) = 4;
  /// Filters of the first convolution.
  TORCH_ARG(std::int64_t, conv1_filters) = 256;
  /// Dropout after each fully connected block.
  TORCH_ARG(double, dropout) = 0.4;
};

class DeepStarr final : public sdk::Model {
 public:
  explicit DeepStarr(const DeepStarrOptions& options) : options_(options) {
    TORCH_CHECK(options.tasks() > 0, "DeepStarr: tasks must be positive, got ", options.tasks());
    TORCH_CHECK(options.alphabet() > 0, "DeepStarr: alphabet must be positive, got ", options.alphabet());
    TORCH_CHECK(options.conv1_filters() > 0, "DeepStarr: conv1_filters must be positive, got ",
                options.conv1_filters());
    const std::int64_t flat_length = layers::pooled_length("deepstarr", options.length(), {2, 2, 2, 2});
    using layers::ConvBlockOptions;
    using layers::DenseBlockOptions;
    layers_ = register_module("layers", torch::nn::Sequential());
    layers_->push_back("conv1", layers::ConvBlock(ConvBlockOptions(options.alphabet(), options.conv1_filters(), 7).pool(2)));
    layers_->push_back("conv2", layers::ConvBlock(ConvBlockOptions(options.conv1_filters(), 60, 3).pool(2)));
    layers_->push_back("conv3", layers::ConvBlock(ConvBlockOptions(60, 60, 5).pool(2)));
    layers_->push_back("conv4", layers::ConvBlock(ConvBlockOptions(60, 120, 3).pool(2)));
    layers_->push_back("flatten", torch::nn::Flatten());
    layers_->push_back("fc1", layers::DenseBlock(DenseBlockOptions(120 * flat_length, 256).dropout(options.dropout())));
    layers_->push_back("fc2", layers::DenseBlock(DenseBlockOptions(256, 256).dropout(options.dropout())));
    layers_->push_back("output", torch::nn::Linear(256, options.tasks()));
  }

  at::Tensor forward(const at::Tensor& x) override {
    layers::check_input(x, "deepstarr", options_.alphabet(), options_.length());
    return layers_->forward(x);
  }

  sdk::OutputKind output_kind() const override { return sdk::OutputKind::regression; }

 private:
  DeepStarrOptions options_;
  torch::nn::Sequential layers_{nullptr};
};

void register_components(sdk::Registrar& registrar) {
  registrar.add_model(
      {"deepstarr", "1.0.0", "DeepSTARR: 4 conv blocks, 2 x 256-unit dense blocks, linear regression outputs",
       sdk::Schema()
           .integer("tasks", 0, "number of outputs T; 0 takes it from the data, otherwise it must match the data", 0)
           .integer("conv1_filters", 256, "filters of the first convolution (paper: 256)", 1, 4096)
           .real("dropout", 0.4, "dropout after each fully connected block (paper: 0.4); less than 1", 0.0, 1.0),
       [](const sdk::Params& params, const sdk::ModelShape& shape) -> std::unique_ptr<sdk::Model> {
         return std::make_unique<DeepStarr>(DeepStarrOptions(shape.length, layers::resolve_tasks(params, shape))
                                                .alphabet(shape.alphabet)
                                                .conv1_filters(params.integer("conv1_filters"))
                                                .dropout(layers::read_dropout(params, "dropout")));
       }});
}

}  // namespace

EVOAUG_PLUGIN("deepstarr", "1.0.0", register_components)
