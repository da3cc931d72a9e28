// Batch normalisation whose statistics span every rank of a data-parallel run
// ([runtime] sync_batchnorm = true, docs/distributed.md), for the blocks of layers.h.
//
// A model plugin does not link the core, so it reaches the run's collectives through
// LibTorch's own operator registry, which every library in the process shares: the core
// registers `evoaug_sync::ranks` and `evoaug_sync::sum` there. Where they are absent (a
// plugin used outside evoaug) or synchronisation is off, ranks() is 1 and the blocks use
// their ordinary batch norm.
//
// The forward pass sums (count, sum, sum of squares) per channel over all ranks; the
// backward pass sums dy and dy * xhat per channel the same way. Each rank's own share of
// the weight and bias gradients is left to the gradient all-reduce, as for every other
// parameter. This is PyTorch's SyncBatchNorm; it needs the same number of calls on every
// rank, in the same order, as any collective.
#pragma once

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/autograd.h>
#include <torch/nn/modules/batchnorm.h>

#include <optional>
#include <vector>

namespace evoaug::sdk::synced {

namespace detail {
inline std::optional<c10::OperatorHandle> find_operator(const char* name) {
  auto handle = c10::Dispatcher::singleton().findSchema({name, ""});
  if (!handle) return std::nullopt;
  return *handle;
}

/// How a (N, C) or (N, C, L) batch reduces to per-channel values, and how those broadcast back.
struct ChannelLayout {
  std::vector<std::int64_t> reduce;  ///< the dimensions summed over: all but channels
  std::vector<std::int64_t> shape;   ///< a (C) vector viewed to broadcast against the batch
};
inline ChannelLayout channel_layout(const at::Tensor& x) {
  const std::int64_t c = x.size(1);
  if (x.dim() == 3) return {{0, 2}, {1, c, 1}};
  return {{0}, {1, c}};
}
}  // namespace detail

/// How many ranks batch statistics are shared across now (1: no synchronisation).
inline std::int64_t ranks(const at::Tensor& like) {
  static const std::optional<c10::OperatorHandle> op = detail::find_operator("evoaug_sync::ranks");
  if (!op) return 1;
  return op->typed<std::int64_t(const at::Tensor&)>().call(like);
}

/// `x` summed over the ranks (a new tensor; every rank calls it with the same shape).
inline at::Tensor sum_over_ranks(const at::Tensor& x) {
  static const std::optional<c10::OperatorHandle> op = detail::find_operator("evoaug_sync::sum");
  TORCH_CHECK(op, "evoaug_sync::sum is not registered: synchronised batch norm needs the evoaug core");
  return op->typed<at::Tensor(const at::Tensor&)>().call(x);
}

/// Batch norm of z (N, C) or (N, C, L) in training mode with statistics over all ranks.
class SyncedBatchNorm : public torch::autograd::Function<SyncedBatchNorm> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& z, const at::Tensor& weight,
                            const at::Tensor& bias, at::Tensor running_mean, at::Tensor running_var,
                            double momentum, double eps) {
    const at::Tensor x = z.to(at::kFloat);
    const auto [reduce, shape] = detail::channel_layout(x);
    const std::int64_t channels = x.size(1);
    const double local_count = static_cast<double>(x.numel() / channels);
    // In float64: sums of squares over a whole global batch lose too much in float32.
    const at::Tensor x64 = x.to(at::kDouble);
    at::Tensor sums = at::cat({x64.sum(reduce), x64.square().sum(reduce),
                               at::full({1}, local_count, x64.options())});
    sums = sum_over_ranks(sums);
    const double count = sums[2 * channels].item<double>();
    const at::Tensor mean64 = sums.narrow(0, 0, channels) / count;
    const at::Tensor variance64 = (sums.narrow(0, channels, channels) / count - mean64.square()).clamp_min(0.0);
    {
      at::NoGradGuard no_grad;
      running_mean.mul_(1.0 - momentum).add_(mean64.to(running_mean.scalar_type()), momentum);
      running_var.mul_(1.0 - momentum)
          .add_((variance64 * (count / std::max(1.0, count - 1.0))).to(running_var.scalar_type()), momentum);
    }
    const at::Tensor mean = mean64.to(at::kFloat), invstd = (variance64 + eps).rsqrt().to(at::kFloat);
    const at::Tensor xhat = (x - mean.view(shape)) * invstd.view(shape);
    ctx->save_for_backward({xhat, invstd, weight});
    ctx->saved_data["count"] = count;
    ctx->saved_data["dtype"] = static_cast<std::int64_t>(z.scalar_type());
    return (xhat * weight.view(shape) + bias.view(shape)).to(z.scalar_type());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor &xhat = saved[0], &invstd = saved[1], &weight = saved[2];
    const double count = ctx->saved_data["count"].toDouble();
    const auto dtype = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    const at::Tensor dy = grad[0].to(at::kFloat);
    const auto [reduce, shape] = detail::channel_layout(xhat);
    const std::int64_t channels = xhat.size(1);
    const at::Tensor local_dy = dy.sum(reduce), local_dy_xhat = (dy * xhat).sum(reduce);
    const at::Tensor global = sum_over_ranks(at::cat({local_dy, local_dy_xhat}).to(at::kDouble)).to(at::kFloat);
    const at::Tensor mean_dy = global.narrow(0, 0, channels) / count;
    const at::Tensor mean_dy_xhat = global.narrow(0, channels, channels) / count;
    const at::Tensor dz = (dy - mean_dy.view(shape) - xhat * mean_dy_xhat.view(shape)) *
                          (invstd * weight).view(shape);
    return {dz.to(dtype), local_dy_xhat, local_dy, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

/// `bn` applied to `z` in training mode, synchronised across ranks; `momentum` as
/// BatchNorm's own forward would blend the running statistics.
inline at::Tensor batch_norm(const at::Tensor& z, torch::nn::BatchNorm1d& bn, double momentum) {
  return SyncedBatchNorm::apply(z, bn->weight, bn->bias, bn->running_mean, bn->running_var, momentum,
                                bn->options.eps());
}

}  // namespace evoaug::sdk::synced
