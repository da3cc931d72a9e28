// Training-mode BatchNorm -> ReLU -> MaxPool1d as one autograd function, for float32
// (N, C, L) tensors on the CPU: the tail of every convolutional block of the paper's
// models (layers.h, ConvBlock).
//
// Why: a profile of the DeepSTARR training step (docs/performance.md) spends most of its
// time not in the convolutions but in LibTorch's separate batch-norm, ReLU and max-pool
// kernels and their backward passes, each of which reads and writes the whole (N, C, L)
// activation. Fused, the forward pass reads the convolution output twice (statistics,
// then normalise + ReLU + pool) and writes only the pooled output and a one-byte argmax
// per pooled value; the backward pass reads the pooled gradient once and writes the input
// gradient once.
//
// The result equals LibTorch's composition up to floating-point summation order:
//  - batch statistics over (N, L), biased variance to normalise, unbiased variance into
//    running_var, running stats blended with `momentum` (BatchNorm's semantics);
//  - ReLU then max-pool with stride = size, flooring (trailing L % pool positions are
//    dropped), the first maximum of a window wins ties, NaN propagates;
//  - gradients flow only through the selected position of windows whose output is > 0,
//    then through batch norm's backward (dgamma, dbeta and the input gradient).
// Header-only, LibTorch and std only, like the rest of the SDK. The per-row loops are in
// fused_bn_relu_pool_rows.h (portable) and fused_bn_relu_pool_avx2.h (x86).
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "evoaug/sdk/fused_bn_relu_pool_avx2.h"
#include "evoaug/sdk/fused_bn_relu_pool_rows.h"

namespace evoaug::sdk::fused {

namespace detail {

// Each row kernel: its AVX2 version where the CPU has it, else the portable one.
inline void shifted_sums_any(const float* x, std::int64_t n, float shift, double& sum, double& sum_squares) {
#ifdef EVOAUG_SDK_X86
  if (has_avx2_fma()) return shifted_sums_avx2(x, n, shift, sum, sum_squares);
#endif
  shifted_sums(x, n, shift, sum, sum_squares);
}
inline void normalise_relu_pool_any(const float* z, float* out, std::uint8_t* code, std::int64_t pooled, float a,
                                    float b, std::int64_t pool) {
#ifdef EVOAUG_SDK_X86
  if (has_avx2_fma()) return normalise_relu_pool_row_avx2(z, out, code, pooled, a, b, pool);
#endif
  normalise_relu_pool_dispatch<0>(z, out, code, pooled, a, b, pool);
}
inline void input_gradient_row_any(const float* z, const float* g, const std::uint8_t* code, float* dz,
                                   std::int64_t length, std::int64_t pooled, std::int64_t pool, float alpha,
                                   float beta, float k) {
#ifdef EVOAUG_SDK_X86
  if (has_avx2_fma()) return input_gradient_row_avx2(z, g, code, dz, length, pooled, pool, alpha, beta, k);
#endif
  input_gradient_row_dispatch<0>(z, g, code, dz, length, pooled, pool, alpha, beta, k);
}

inline void gradient_sums_any(const float* z, const float* g, const std::uint8_t* code, std::int64_t pooled,
                              std::int64_t pool, float mean, double& sum_g, double& sum_g_centred) {
#ifdef EVOAUG_SDK_X86
  if (has_avx2_fma()) return gradient_sums_avx2(z, g, code, pooled, pool, mean, sum_g, sum_g_centred);
#endif
  gradient_sums_dispatch<0>(z, g, code, pooled, pool, mean, sum_g, sum_g_centred);
}

/// Channels per parallel task: enough work per task to be worth a thread.
inline std::int64_t channel_grain(std::int64_t values_per_channel) {
  return std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(1, values_per_channel));
}

}  // namespace detail

/// The autograd function. Inputs: z (N, C, L) float32 CPU contiguous; weight and bias
/// (C); running_mean and running_var (C), updated in place. Output (N, C, L / pool).
class BnReluPool : public torch::autograd::Function<BnReluPool> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& z, const at::Tensor& weight,
                            const at::Tensor& bias, at::Tensor running_mean, at::Tensor running_var, double momentum,
                            double eps, std::int64_t pool) {
    RECORD_FUNCTION("evoaug::fused_bn_relu_pool", std::vector<c10::IValue>());
    const std::int64_t n = z.size(0), channels = z.size(1), length = z.size(2), pooled = length / pool;
    const std::int64_t count = n * length;
    const at::Tensor zc = z.contiguous();
    at::Tensor out = at::empty({n, channels, pooled}, z.options());
    at::Tensor code = at::empty({n, channels, pooled}, z.options().dtype(at::kByte));
    at::Tensor mean = at::empty({channels}, z.options());
    at::Tensor invstd = at::empty({channels}, z.options());
    at::Tensor unbiased = at::empty({channels}, z.options());
    const float* zp = zc.data_ptr<float>();
    float* mp = mean.data_ptr<float>();
    float* ip = invstd.data_ptr<float>();
    float* up = unbiased.data_ptr<float>();

    // Sums per row, in memory order (rows of one channel are C * L apart), then per
    // channel in a fixed order: the result does not depend on the number of threads.
    std::vector<double> row_sum(static_cast<std::size_t>(n * channels)), row_squares(row_sum.size());
    at::parallel_for(0, n * channels, detail::channel_grain(length), [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const float shift = zp[(r % channels) * length];  // the channel's first value
        double sum = 0, squares = 0;
        detail::shifted_sums_any(zp + r * length, length, shift, sum, squares);
        row_sum[static_cast<std::size_t>(r)] = sum;
        row_squares[static_cast<std::size_t>(r)] = squares;
      }
    });
    for (std::int64_t c = 0; c < channels; ++c) {
      double sum = 0, sum_squares = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        sum += row_sum[static_cast<std::size_t>(i * channels + c)];
        sum_squares += row_squares[static_cast<std::size_t>(i * channels + c)];
      }
      const double shifted_mean = sum / static_cast<double>(count);
      const double variance = std::max(0.0, sum_squares / static_cast<double>(count) - shifted_mean * shifted_mean);
      mp[c] = static_cast<float>(zp[c * length] + shifted_mean);
      ip[c] = static_cast<float>(1.0 / std::sqrt(variance + eps));
      up[c] = static_cast<float>(variance * static_cast<double>(count) / static_cast<double>(count - 1));
    }
    {
      at::NoGradGuard no_grad;
      running_mean.mul_(1.0 - momentum).add_(mean, momentum);
      running_var.mul_(1.0 - momentum).add_(unbiased, momentum);
    }

    const at::Tensor w = weight.contiguous(), bb = bias.contiguous();
    const float* wp = w.data_ptr<float>();
    const float* bp = bb.data_ptr<float>();
    float* op = out.data_ptr<float>();
    std::uint8_t* cp = code.data_ptr<std::uint8_t>();
    at::parallel_for(0, n * channels, detail::channel_grain(length), [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const std::int64_t c = r % channels;
        const float a = wp[c] * ip[c];
        detail::normalise_relu_pool_any(zp + r * length, op + r * pooled, cp + r * pooled, pooled, a,
                                        bp[c] - mp[c] * a, pool);
      }
    });
    ctx->save_for_backward({zc, weight});
    ctx->saved_data["code"] = code;
    ctx->saved_data["mean"] = mean;
    ctx->saved_data["invstd"] = invstd;
    ctx->saved_data["pool"] = pool;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    RECORD_FUNCTION("evoaug::fused_bn_relu_pool_backward", std::vector<c10::IValue>());
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& z = saved[0];
    const at::Tensor w = saved[1].contiguous();
    const at::Tensor code = ctx->saved_data["code"].toTensor();
    const at::Tensor mean = ctx->saved_data["mean"].toTensor();
    const at::Tensor invstd = ctx->saved_data["invstd"].toTensor();
    const std::int64_t pool = ctx->saved_data["pool"].toInt();
    const at::Tensor g = grad_outputs[0].contiguous();
    const std::int64_t n = z.size(0), channels = z.size(1), length = z.size(2), pooled = length / pool;
    const double count = static_cast<double>(n * length);

    at::Tensor dz = at::empty_like(z);
    at::Tensor dweight = at::empty({channels}, z.options());
    at::Tensor dbias = at::empty({channels}, z.options());
    const float* zp = z.data_ptr<float>();
    const float* gp = g.data_ptr<float>();
    const std::uint8_t* cp = code.data_ptr<std::uint8_t>();
    const float* mp = mean.data_ptr<float>();
    const float* ip = invstd.data_ptr<float>();
    const float* wp = w.data_ptr<float>();
    float* dzp = dz.data_ptr<float>();
    float* dwp = dweight.data_ptr<float>();
    float* dbp = dbias.data_ptr<float>();

    // The sums over gradient-carrying positions, per row in memory order, then per
    // channel in a fixed order (independent of the number of threads).
    std::vector<double> row_g(static_cast<std::size_t>(n * channels)), row_g_centred(row_g.size());
    at::parallel_for(0, n * channels, detail::channel_grain(length), [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        double sum_g = 0, sum_g_centred = 0;
        detail::gradient_sums_any(zp + r * length, gp + r * pooled, cp + r * pooled, pooled, pool,
                                  mp[r % channels], sum_g, sum_g_centred);
        row_g[static_cast<std::size_t>(r)] = sum_g;
        row_g_centred[static_cast<std::size_t>(r)] = sum_g_centred;
      }
    });
    std::vector<float> alpha(static_cast<std::size_t>(channels)), slope(alpha.size()), scale(alpha.size());
    for (std::int64_t c = 0; c < channels; ++c) {
      double sum_g = 0, sum_g_xhat = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        sum_g += row_g[static_cast<std::size_t>(i * channels + c)];
        sum_g_xhat += row_g_centred[static_cast<std::size_t>(i * channels + c)];
      }
      sum_g_xhat *= ip[c];
      dbp[c] = static_cast<float>(sum_g);
      dwp[c] = static_cast<float>(sum_g_xhat);
      // dz = k * (dy - mean(dy) - xhat * mean(dy * xhat)), xhat = (z - mean) * invstd,
      // written as alpha + slope * z + k * dy.
      const double k = static_cast<double>(wp[c]) * ip[c];
      const double b = -k * (sum_g_xhat / count) * ip[c];
      scale[static_cast<std::size_t>(c)] = static_cast<float>(k);
      slope[static_cast<std::size_t>(c)] = static_cast<float>(b);
      alpha[static_cast<std::size_t>(c)] = static_cast<float>(-k * sum_g / count - b * mp[c]);
    }
    at::parallel_for(0, n * channels, detail::channel_grain(length), [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const auto c = static_cast<std::size_t>(r % channels);
        detail::input_gradient_row_any(zp + r * length, gp + r * pooled, cp + r * pooled, dzp + r * length, length,
                                       pooled, pool, alpha[c], slope[c], scale[c]);
      }
    });
    return {dz, dweight, dbias, at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

/// Whether bn_relu_pool() takes the fused path for `z`: float32 on the CPU, three
/// dimensions, more than one value per channel, affine parameters of matching dtype.
inline bool can_fuse(const at::Tensor& z, const at::Tensor& weight, const at::Tensor& bias,
                     const at::Tensor& running_mean, const at::Tensor& running_var, std::int64_t pool) {
  return z.device().is_cpu() && z.scalar_type() == at::kFloat && z.dim() == 3 && z.size(0) * z.size(2) > 1 &&
         z.size(1) > 0 && pool >= 1 && pool < detail::kNoGradient && z.size(2) >= pool && weight.defined() &&
         bias.defined() && running_mean.defined() && running_var.defined() && weight.scalar_type() == at::kFloat &&
         bias.scalar_type() == at::kFloat && running_mean.scalar_type() == at::kFloat &&
         running_var.scalar_type() == at::kFloat && weight.device().is_cpu();
}

/// Evaluation-mode batch norm (the running statistics), ReLU and max-pool of size and
/// stride `pool`, in one pass and without autograd: for validation and prediction, where
/// gradients are off. LibTorch's modules would write and read the whole activation three
/// times. Call only when can_fuse() and no gradient is wanted.
inline at::Tensor bn_relu_pool_inference(const at::Tensor& z, const at::Tensor& weight, const at::Tensor& bias,
                                         const at::Tensor& running_mean, const at::Tensor& running_var, double eps,
                                         std::int64_t pool) {
  RECORD_FUNCTION("evoaug::fused_bn_relu_pool_inference", std::vector<c10::IValue>());
  const std::int64_t n = z.size(0), channels = z.size(1), length = z.size(2), pooled = length / pool;
  const at::Tensor zc = z.contiguous(), w = weight.contiguous(), b = bias.contiguous();
  const at::Tensor mean = running_mean.contiguous(), var = running_var.contiguous();
  at::Tensor out = at::empty({n, channels, pooled}, z.options());
  // As LibTorch's batch norm in evaluation: y = z * alpha + beta, alpha = weight / sqrt(var + eps).
  std::vector<float> alpha(static_cast<std::size_t>(channels)), beta(alpha.size());
  for (std::int64_t c = 0; c < channels; ++c) {
    const float invstd = 1.0f / std::sqrt(var.data_ptr<float>()[c] + static_cast<float>(eps));
    alpha[static_cast<std::size_t>(c)] = invstd * w.data_ptr<float>()[c];
    beta[static_cast<std::size_t>(c)] = b.data_ptr<float>()[c] - mean.data_ptr<float>()[c] * alpha[static_cast<std::size_t>(c)];
  }
  const float* zp = zc.data_ptr<float>();
  float* op = out.data_ptr<float>();
  at::parallel_for(0, n * channels, detail::channel_grain(length), [&](std::int64_t r0, std::int64_t r1) {
    std::vector<std::uint8_t> unused_codes(static_cast<std::size_t>(pooled));  // what backward would need
    for (std::int64_t r = r0; r < r1; ++r) {
      const auto c = static_cast<std::size_t>(r % channels);
      detail::normalise_relu_pool_any(zp + r * length, op + r * pooled, unused_codes.data(), pooled, alpha[c], beta[c],
                                      pool);
    }
  });
  return out;
}

/// Training-mode batch norm (batch statistics; running stats updated with `momentum`),
/// ReLU and a max-pool of size and stride `pool`, fused. Call only when can_fuse().
inline at::Tensor bn_relu_pool(const at::Tensor& z, const at::Tensor& weight, const at::Tensor& bias,
                               const at::Tensor& running_mean, const at::Tensor& running_var, double momentum,
                               double eps, std::int64_t pool) {
  return BnReluPool::apply(z, weight, bias, running_mean, running_var, momentum, eps, pool);
}

}  // namespace evoaug::sdk::fused
