// Building blocks for model plugins: the convolutional and fully connected blocks of the
// paper's architectures (Basset, DeepSTARR, the ChIP-seq CNN), the length arithmetic of
// 'same' convolutions followed by flooring max-pools, and the `tasks` parameter rule.
// Header-only, LibTorch and std only: third-party model plugins may reuse it.
//
// A model built from these blocks in a named torch::nn::Sequential gets a per-layer
// table in `evoaug check` (the summary walks Sequential children entry by entry).
#pragma once

#include <ATen/core/grad_mode.h>
#include <torch/arg.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "evoaug/sdk/error.h"
#include "evoaug/sdk/fast_dropout.h"
#include "evoaug/sdk/fused_bn_relu_pool.h"
#include "evoaug/sdk/synced_batch_norm.h"
#include "evoaug/sdk/model.h"
#include "evoaug/sdk/params.h"

namespace evoaug::sdk::layers {

/// How a convolution's weights are initialised (the reference implementation uses
/// Kaiming normal for Basset and DeepSTARR, Kaiming uniform for the ChIP-seq CNN; both
/// with PyTorch's defaults: fan_in, gain sqrt(2)).
enum class ConvInit { kaiming_normal, kaiming_uniform };

/// What BatchNorm's own forward() would blend the running statistics with: its momentum,
/// or a cumulative average when the momentum is unset; counts the batch. For the blocks'
/// own batch-norm kernels (fused, synchronised), which update the statistics themselves.
inline double running_statistics_momentum(torch::nn::BatchNorm1d& bn) {
  torch::NoGradGuard no_grad;
  bn->num_batches_tracked += 1;
  if (bn->options.momentum()) return *bn->options.momentum();
  return 1.0 / bn->num_batches_tracked.item<double>();
}

/// Options of a ConvBlock: conv(no bias, 'same') -> BatchNorm -> ReLU [-> MaxPool] [-> Dropout],
/// the order of the reference implementation.
struct ConvBlockOptions {
  ConvBlockOptions(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  /// Channels of the input (the alphabet size for the first block).
  TORCH_ARG(std::int64_t, in_channels);
  /// Number of filters.
  TORCH_ARG(std::int64_t, out_channels);
  /// Filter width (nt); the convolution pads to keep the length ('same').
  TORCH_ARG(std::int64_t, kernel_size);
  /// Max-pool size and stride; 1 means no pooling. The output length is floor(L / pool).
  TORCH_ARG(std::int64_t, pool) = 1;
  /// Dropout rate after pooling; 0 means no dropout layer. (Dropout before a max-pool would
  /// let the pool pick the 1/(1-p)-scaled survivors, so the next batch norm's running
  /// statistics would not describe evaluation-time activations.)
  TORCH_ARG(double, dropout) = 0.0;
  /// Initialisation of the convolution weights.
  TORCH_ARG(ConvInit, init) = ConvInit::kaiming_normal;
  /// Training on float32 CPU tensors runs batch norm, ReLU and the pool as one fused
  /// kernel (fused_bn_relu_pool.h; same results up to summation order). false keeps
  /// LibTorch's separate modules, e.g. to compare the two; the environment variable
  /// EVOAUG_NO_FUSED_KERNELS makes that the default (for before/after benchmarks). It
  /// also chooses the dropout mask's generator (fast_dropout.h, or LibTorch's).
  TORCH_ARG(bool, fused) = std::getenv("EVOAUG_NO_FUSED_KERNELS") == nullptr;
};

/// One convolutional block. Children: conv, bn, [pool,] [dropout].
class ConvBlockImpl : public torch::nn::Cloneable<ConvBlockImpl> {
 public:
  ConvBlockImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel_size)
      : ConvBlockImpl(ConvBlockOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvBlockImpl(const ConvBlockOptions& options) : options(options) { reset(); }

  void reset() override {
    TORCH_CHECK(options.in_channels() > 0, "ConvBlock: in_channels must be positive, got ", options.in_channels());
    TORCH_CHECK(options.out_channels() > 0, "ConvBlock: out_channels must be positive, got ",
                options.out_channels());
    TORCH_CHECK(options.kernel_size() > 0, "ConvBlock: kernel_size must be positive, got ", options.kernel_size());
    TORCH_CHECK(options.pool() >= 1, "ConvBlock: pool must be at least 1, got ", options.pool());
    TORCH_CHECK(options.dropout() >= 0.0 && options.dropout() < 1.0, "ConvBlock: dropout must be in [0, 1), got ",
                options.dropout());
    conv = register_module(
        "conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(options.in_channels(), options.out_channels(),
                                                           options.kernel_size())
                                      .padding(torch::kSame)
                                      .bias(false)));
    if (options.init() == ConvInit::kaiming_normal)
      torch::nn::init::kaiming_normal_(conv->weight);
    else
      torch::nn::init::kaiming_uniform_(conv->weight);
    bn = register_module("bn", torch::nn::BatchNorm1d(options.out_channels()));
    if (options.pool() > 1) pool = register_module("pool", torch::nn::MaxPool1d(options.pool()));
    if (options.dropout() > 0.0) dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  }

  /// (N, in_channels, L) to (N, out_channels, floor(L / pool)).
  at::Tensor forward(const at::Tensor& x) {
    const at::Tensor z = conv->forward(x);
    at::Tensor y;
    if (is_training() && synced::ranks(z) > 1) {
      // A data-parallel run with sync_batchnorm: statistics over every rank's share.
      y = torch::relu(synced::batch_norm(z, bn, batch_norm_momentum()));
      if (pool) y = pool->forward(y);
    } else if (is_training() && options.fused() &&
        fused::can_fuse(z, bn->weight, bn->bias, bn->running_mean, bn->running_var, options.pool())) {
      y = fused::bn_relu_pool(z, bn->weight, bn->bias, bn->running_mean, bn->running_var, batch_norm_momentum(),
                              bn->options.eps(), options.pool());
    } else if (!is_training() && options.fused() && !at::GradMode::is_enabled() &&
               fused::can_fuse(z, bn->weight, bn->bias, bn->running_mean, bn->running_var, options.pool())) {
      // Evaluation without gradients (validation, prediction). With gradients on (input
      // attribution), the modules' path below keeps autograd's record.
      y = fused::bn_relu_pool_inference(z, bn->weight, bn->bias, bn->running_mean, bn->running_var, bn->options.eps(),
                                        options.pool());
    } else {
      y = torch::relu(bn->forward(z));
      if (pool) y = pool->forward(y);
    }
    if (dropout) y = options.fused() ? fast::dropout(y, options.dropout(), is_training()) : dropout->forward(y);
    return y;
  }

  double batch_norm_momentum() { return running_statistics_momentum(bn); }

  void pretty_print(std::ostream& stream) const override {
    stream << "evoaug::ConvBlock(" << options.in_channels() << ", " << options.out_channels()
           << ", kernel_size=" << options.kernel_size() << ", pool=" << options.pool()
           << ", dropout=" << options.dropout() << ")";
  }

  ConvBlockOptions options;
  torch::nn::Conv1d conv{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::MaxPool1d pool{nullptr};
};
TORCH_MODULE(ConvBlock);

/// Options of a DenseBlock: Linear -> BatchNorm1d (over units) -> ReLU [-> Dropout].
struct DenseBlockOptions {
  DenseBlockOptions(std::int64_t in_features, std::int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TORCH_ARG(std::int64_t, in_features);
  TORCH_ARG(std::int64_t, out_features);
  /// Whether the linear layer has a bias (Basset: no; DeepSTARR, ChIP-seq CNN: yes).
  TORCH_ARG(bool, bias) = true;
  /// Dropout rate after the activation; 0 means no dropout layer.
  TORCH_ARG(double, dropout) = 0.0;
  /// Draw the dropout mask with evoaug's fast generator (fast_dropout.h) in training mode;
  /// false, or EVOAUG_NO_FUSED_KERNELS, keeps LibTorch's.
  TORCH_ARG(bool, fused) = std::getenv("EVOAUG_NO_FUSED_KERNELS") == nullptr;
};

/// One fully connected hidden block. Children: linear, bn, [dropout].
class DenseBlockImpl : public torch::nn::Cloneable<DenseBlockImpl> {
 public:
  DenseBlockImpl(std::int64_t in_features, std::int64_t out_features)
      : DenseBlockImpl(DenseBlockOptions(in_features, out_features)) {}
  explicit DenseBlockImpl(const DenseBlockOptions& options) : options(options) { reset(); }

  void reset() override {
    TORCH_CHECK(options.in_features() > 0, "DenseBlock: in_features must be positive, got ", options.in_features());
    TORCH_CHECK(options.out_features() > 0, "DenseBlock: out_features must be positive, got ",
                options.out_features());
    TORCH_CHECK(options.dropout() >= 0.0 && options.dropout() < 1.0, "DenseBlock: dropout must be in [0, 1), got ",
                options.dropout());
    linear = register_module(
        "linear", torch::nn::Linear(
                      torch::nn::LinearOptions(options.in_features(), options.out_features()).bias(options.bias())));
    bn = register_module("bn", torch::nn::BatchNorm1d(options.out_features()));
    if (options.dropout() > 0.0) dropout = register_module("dropout", torch::nn::Dropout(options.dropout()));
  }

  /// (N, in_features) to (N, out_features).
  at::Tensor forward(const at::Tensor& x) {
    const at::Tensor z = linear->forward(x);
    at::Tensor y = torch::relu(is_training() && synced::ranks(z) > 1 ? synced::batch_norm(z, bn, batch_norm_momentum())
                                                                      : bn->forward(z));
    if (!dropout) return y;
    return options.fused() ? fast::dropout(y, options.dropout(), is_training()) : dropout->forward(y);
  }

  double batch_norm_momentum() { return running_statistics_momentum(bn); }

  void pretty_print(std::ostream& stream) const override {
    stream << "evoaug::DenseBlock(" << options.in_features() << ", " << options.out_features()
           << ", bias=" << (options.bias() ? "true" : "false") << ", dropout=" << options.dropout() << ")";
  }

  DenseBlockOptions options;
  torch::nn::Linear linear{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Dropout dropout{nullptr};
};
TORCH_MODULE(DenseBlock);

/// The length after each of `pools` in turn ('same' convolutions keep it, a pool of
/// size p floors it to L / p). Throws sdk::Error naming `model` when the input is too
/// short for the pooling to leave at least one position: a clear error at
/// construction rather than a crash in forward.
inline std::int64_t pooled_length(const std::string& model, std::int64_t length,
                                  const std::vector<std::int64_t>& pools) {
  if (length < 1) throw Error(model + ": input length L must be positive, got " + std::to_string(length));
  std::int64_t out = length;
  std::int64_t needed = 1;
  for (std::int64_t pool : pools) {
    out /= pool;
    needed *= pool;
  }
  if (out < 1)
    throw Error(model + ": input length L = " + std::to_string(length) +
                " is too short for its pooling layers, which reduce it to 0; the model needs L >= " +
                std::to_string(needed));
  return out;
}

/// The number of outputs T from a model's `tasks` parameter: 0 means "from the data"
/// (shape.tasks); any other value must equal shape.tasks (ParamError otherwise), so that
/// a pipeline can pin the architecture's output size and fail on mismatched data.
inline std::int64_t resolve_tasks(const Params& params, const ModelShape& shape) {
  const std::int64_t wanted = params.integer("tasks");
  if (shape.tasks < 1) throw Error("the data must have at least one task, got " + std::to_string(shape.tasks));
  if (wanted != 0 && wanted != shape.tasks)
    throw ParamError("tasks", "tasks = " + std::to_string(wanted) + " but the data has " +
                                  std::to_string(shape.tasks) + " task(s); set tasks = 0 to take it from the data");
  return shape.tasks;
}

/// A dropout rate parameter: the schema bounds it to [0, 1]; a rate of 1 would drop
/// everything, so it is refused here, naming the key.
inline double read_dropout(const Params& params, const std::string& key) {
  const double rate = params.real(key);
  if (!(rate >= 0.0 && rate < 1.0))
    throw ParamError(key, key + " = " + std::to_string(rate) + " must be in [0, 1): a rate of 1 drops every unit");
  return rate;
}

/// Throws sdk::Error unless `x` is (N, alphabet, length): the first fully connected
/// layer is sized for one input length, and a mismatch would otherwise surface as an
/// opaque matrix-shape error deep in forward().
inline void check_input(const at::Tensor& x, const std::string& model, std::int64_t alphabet, std::int64_t length) {
  if (x.dim() != 3 || x.size(1) != alphabet || x.size(2) != length) {
    std::string got = "(";
    for (std::int64_t d = 0; d < x.dim(); ++d) got += (d ? ", " : "") + std::to_string(x.size(d));
    throw Error(model + ": expects input of shape (N, " + std::to_string(alphabet) + ", " + std::to_string(length) +
                "), got " + got + ")");
  }
}

}  // namespace evoaug::sdk::layers
