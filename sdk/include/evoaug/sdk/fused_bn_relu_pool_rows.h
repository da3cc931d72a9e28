// The fused batch norm -> ReLU -> max-pool's work on one row (one sequence, one channel),
// in portable C++: the statistics, the normalise + ReLU + pool with its argmax codes, and
// the two backward loops. fused_bn_relu_pool_avx2.h has faster versions of some of them
// for x86; fused_bn_relu_pool.h (the autograd function) calls whichever the CPU can run.
#pragma once

#include <cmath>
#include <cstdint>

namespace evoaug::sdk::fused::detail {

/// A pooled position whose window gives no gradient (its output is 0 or NaN).
constexpr std::uint8_t kNoGradient = 255;

/// Sum of x[0..n) and of its squares after subtracting `shift` (a value near the mean, so
/// that the one-pass variance does not cancel catastrophically). Eight independent float
/// accumulators let the compiler vectorise; rows are short enough for float sums.
inline void shifted_sums(const float* x, std::int64_t n, float shift, double& sum, double& sum_squares) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0}, q[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) {
      const float d = x[i + k] - shift;
      s[k] += d;
      q[k] += d * d;
    }
  for (; i < n; ++i) {
    const float d = x[i] - shift;
    s[0] += d;
    q[0] += d * d;
  }
  float ts = 0, tq = 0;
  for (int k = 0; k < 8; ++k) {
    ts += s[k];
    tq += q[k];
  }
  sum += ts;
  sum_squares += tq;
}

/// One row: out[j] = relu(max over window j of (a * z + b)), code[j] = the winner's
/// offset in the window, or kNoGradient when out[j] is not positive.
template <int Pool>
inline void normalise_relu_pool_row(const float* z, float* out, std::uint8_t* code, std::int64_t pooled, float a,
                                    float b, std::int64_t pool) {
  const std::int64_t p = Pool > 0 ? Pool : pool;
  for (std::int64_t j = 0; j < pooled; ++j) {
    const float* w = z + j * p;
    float best = a * w[0] + b;
    int arg = 0;
    for (int k = 1; k < p; ++k) {
      const float v = a * w[k] + b;
      const bool take = (v > best) || std::isnan(v);  // LibTorch's max-pool: NaN wins
      best = take ? v : best;
      arg = take ? k : arg;
    }
    const bool positive = best > 0.0f;
    out[j] = positive || std::isnan(best) ? best : 0.0f;
    code[j] = positive ? static_cast<std::uint8_t>(arg) : kNoGradient;
  }
}

/// One row of the input gradient: dz = alpha + beta * z everywhere (batch norm's terms
/// that do not depend on the position), plus k * g at each window's selected position.
template <int Pool>
inline void input_gradient_row(const float* z, const float* g, const std::uint8_t* code, float* dz,
                               std::int64_t length, std::int64_t pooled, std::int64_t pool, float alpha, float beta,
                               float k) {
  const std::int64_t p = Pool > 0 ? Pool : pool;
  for (std::int64_t l = 0; l < length; ++l) dz[l] = alpha + beta * z[l];
  // Branch-free (measured twice as fast): about half the windows are cut by the ReLU at
  // random, which a branch would mispredict half the time.
  for (std::int64_t j = 0; j < pooled; ++j) {
    const bool flows = code[j] != kNoGradient;
    dz[j * p + (flows ? code[j] : 0)] += flows ? k * g[j] : 0.0f;
  }
}

/// Sums over one row's pooled positions that carry gradient: of g, and of g * (z at the
/// selected position - mean). Branch-free, as input_gradient_row.
template <int Pool>
inline void gradient_sums_row(const float* z, const float* g, const std::uint8_t* code, std::int64_t pooled,
                              std::int64_t pool, float mean, double& sum_g, double& sum_g_centred) {
  const std::int64_t p = Pool > 0 ? Pool : pool;
  float s = 0, sx = 0;
  for (std::int64_t j = 0; j < pooled; ++j) {
    const bool flows = code[j] != kNoGradient;
    const float gj = flows ? g[j] : 0.0f;
    s += gj;
    sx += gj * (z[j * p + (flows ? code[j] : 0)] - mean);
  }
  sum_g += s;
  sum_g_centred += sx;
}

// The pool sizes of the paper's models get their own instantiation (the compiler can
// then vectorise the window loops); others take the generic one.
#define EVOAUG_FUSED_BY_POOL(function, pool, ...)           \
  switch (pool) {                                           \
    case 1: return function<1>(__VA_ARGS__);                \
    case 2: return function<2>(__VA_ARGS__);                \
    case 3: return function<3>(__VA_ARGS__);                \
    case 4: return function<4>(__VA_ARGS__);                \
    default: return function<0>(__VA_ARGS__);               \
  }

template <int Tag>
inline void normalise_relu_pool_dispatch(const float* z, float* out, std::uint8_t* code, std::int64_t pooled, float a,
                                         float b, std::int64_t pool) {
  EVOAUG_FUSED_BY_POOL(normalise_relu_pool_row, pool, z, out, code, pooled, a, b, pool)
}

template <int Tag>
inline void input_gradient_row_dispatch(const float* z, const float* g, const std::uint8_t* code, float* dz,
                                        std::int64_t length, std::int64_t pooled, std::int64_t pool, float alpha,
                                        float beta, float k) {
  EVOAUG_FUSED_BY_POOL(input_gradient_row, pool, z, g, code, dz, length, pooled, pool, alpha, beta, k)
}

template <int Tag>
inline void gradient_sums_dispatch(const float* z, const float* g, const std::uint8_t* code, std::int64_t pooled,
                                   std::int64_t pool, float mean, double& sum_g, double& sum_g_centred) {
  EVOAUG_FUSED_BY_POOL(gradient_sums_row, pool, z, g, code, pooled, pool, mean, sum_g, sum_g_centred)
}

}  // namespace evoaug::sdk::fused::detail
