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
// Header-only, LibTorch and std only, like the rest of the SDK.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>
#include <cstdint>
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#endif
#include <vector>

namespace evoaug::sdk::fused {

namespace detail {

/// A pooled position whose window gives no gradient (its output is 0 or NaN).
constexpr std::uint8_t kNoGradient = 255;

/// Sum of x[0..n) and of its squares after subtracting `shift` (a value near the mean, so
/// that the one-pass variance does not cancel catastrophically). Eight independent float
/// accumulators let the compiler vectorise; rows are short enough for float sums.
template <int Tag>
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

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define EVOAUG_FUSED_HAS_AVX2 1
// Two vector accumulators for each sum: with one, each addition waits for the last, and
// the statistics pass took four times as long.
__attribute__((target("avx2,fma"))) inline void shifted_sums_avx2(const float* x, std::int64_t n, float shift,
                                                                   double& sum, double& sum_squares) {
  const __m256 vshift = _mm256_set1_ps(shift);
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, q0 = s0, q1 = s0;
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), vshift);
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vshift);
    s0 = _mm256_add_ps(s0, d0);
    s1 = _mm256_add_ps(s1, d1);
    q0 = _mm256_fmadd_ps(d0, d0, q0);
    q1 = _mm256_fmadd_ps(d1, d1, q1);
  }
  if (i + 8 <= n) {  // short rows (the last blocks' are 30-60 long) keep most of their tail vectorised
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), vshift);
    s0 = _mm256_add_ps(s0, d0);
    q0 = _mm256_fmadd_ps(d0, d0, q0);
    i += 8;
  }
  alignas(32) float ls[8], lq[8];
  _mm256_store_ps(ls, _mm256_add_ps(s0, s1));
  _mm256_store_ps(lq, _mm256_add_ps(q0, q1));
  float ts = 0, tq = 0;
  for (int k = 0; k < 8; ++k) {
    ts += ls[k];
    tq += lq[k];
  }
  for (; i < n; ++i) {
    const float d = x[i] - shift;
    ts += d;
    tq += d * d;
  }
  sum += ts;
  sum_squares += tq;
}
/// The 16 values of (a, b) as (even positions, odd positions), each in order.
__attribute__((target("avx2,fma"))) inline void deinterleave(__m256 a, __m256 b, __m256& even, __m256& odd) {
  // The shuffle works within 128-bit halves; the permute puts its quarters back in order.
  even = _mm256_castpd_ps(
      _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), 0xD8));
  odd = _mm256_castpd_ps(
      _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), 0xD8));
}

/// The 16 values z[0..16) as (even positions, odd positions): eight windows of 2.
__attribute__((target("avx2,fma"))) inline void deinterleave_pairs(const float* z, __m256& even, __m256& odd) {
  deinterleave(_mm256_loadu_ps(z), _mm256_loadu_ps(z + 8), even, odd);
}

/// The 32 values z[0..32) as eight windows of 4: at[t] holds position t of each window.
__attribute__((target("avx2,fma"))) inline void deinterleave_quads(const float* z, __m256 at[4]) {
  __m256 even_low, odd_low, even_high, odd_high;
  deinterleave_pairs(z, even_low, odd_low);         // windows 0-3: positions (0, 2), (1, 3) alternating
  deinterleave_pairs(z + 16, even_high, odd_high);  // windows 4-7
  deinterleave(even_low, even_high, at[0], at[2]);
  deinterleave(odd_low, odd_high, at[1], at[3]);
}

/// Eight window codes (0, 1 or kNoGradient as int32 lanes), as eight bytes.
__attribute__((target("avx2,fma"))) inline void store_codes(__m256i codes, std::uint8_t* code) {
  const __m256i words = _mm256_packs_epi32(codes, codes);  // per half: c0..c3 c0..c3
  const __m256i bytes = _mm256_packus_epi16(words, words);
  const auto low = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm256_castsi256_si128(bytes)));
  const auto high = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm256_extracti128_si256(bytes, 1)));
  const std::uint64_t packed = low | (static_cast<std::uint64_t>(high) << 32);
  __builtin_memcpy(code, &packed, sizeof packed);
}

/// normalise_relu_pool_row for pool 2, eight windows at a time, with the same rules:
/// the first maximum wins ties, NaN wins and propagates, no gradient unless positive.
__attribute__((target("avx2,fma"))) inline void normalise_relu_pool2_avx2(const float* z, float* out,
                                                                           std::uint8_t* code, std::int64_t pooled,
                                                                           float a, float b) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), zero = _mm256_setzero_ps();
  const __m256i one = _mm256_set1_epi32(1), none = _mm256_set1_epi32(kNoGradient);
  std::int64_t j = 0;
  for (; j + 8 <= pooled; j += 8) {
    __m256 even, odd;
    deinterleave_pairs(z + 2 * j, even, odd);
    const __m256 first = _mm256_fmadd_ps(va, even, vb), second = _mm256_fmadd_ps(va, odd, vb);
    const __m256 take = _mm256_or_ps(_mm256_cmp_ps(second, first, _CMP_GT_OQ), _mm256_cmp_ps(second, second, _CMP_UNORD_Q));
    const __m256 best = _mm256_blendv_ps(first, second, take);
    const __m256 positive = _mm256_cmp_ps(best, zero, _CMP_GT_OQ);
    const __m256 keep = _mm256_or_ps(positive, _mm256_cmp_ps(best, best, _CMP_UNORD_Q));
    _mm256_storeu_ps(out + j, _mm256_and_ps(keep, best));
    const __m256i arg = _mm256_and_si256(_mm256_castps_si256(take), one);
    store_codes(_mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(none), _mm256_castsi256_ps(arg), positive)),
                code + j);
  }
  normalise_relu_pool_row<2>(z + 2 * j, out + j, code + j, pooled - j, a, b, 2);
}

/// The same for pool 4 (the ChIP CNN's first two blocks): the first maximum of the four
/// wins, as in the scalar loop, by taking a later value only when it is greater or NaN.
__attribute__((target("avx2,fma"))) inline void normalise_relu_pool4_avx2(const float* z, float* out,
                                                                           std::uint8_t* code, std::int64_t pooled,
                                                                           float a, float b) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), zero = _mm256_setzero_ps();
  const __m256i none = _mm256_set1_epi32(kNoGradient);
  std::int64_t j = 0;
  for (; j + 8 <= pooled; j += 8) {
    __m256 at[4];
    deinterleave_quads(z + 4 * j, at);
    __m256 best = _mm256_fmadd_ps(va, at[0], vb);
    __m256i arg = _mm256_setzero_si256();
    for (int t = 1; t < 4; ++t) {
      const __m256 v = _mm256_fmadd_ps(va, at[t], vb);
      const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
      best = _mm256_blendv_ps(best, v, take);
      arg = _mm256_castps_si256(
          _mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(_mm256_set1_epi32(t)), take));
    }
    const __m256 positive = _mm256_cmp_ps(best, zero, _CMP_GT_OQ);
    const __m256 keep = _mm256_or_ps(positive, _mm256_cmp_ps(best, best, _CMP_UNORD_Q));
    _mm256_storeu_ps(out + j, _mm256_and_ps(keep, best));
    store_codes(_mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(none), _mm256_castsi256_ps(arg), positive)),
                code + j);
  }
  normalise_relu_pool_row<4>(z + 4 * j, out + j, code + j, pooled - j, a, b, 4);
}

__attribute__((target("avx2,fma"))) inline void normalise_relu_pool_avx2(const float* z, float* out,
                                                                          std::uint8_t* code, std::int64_t pooled,
                                                                          float a, float b, std::int64_t pool) {
  if (pool == 2) return normalise_relu_pool2_avx2(z, out, code, pooled, a, b);
  if (pool == 4) return normalise_relu_pool4_avx2(z, out, code, pooled, a, b);
  normalise_relu_pool_dispatch<1>(z, out, code, pooled, a, b, pool);
}
// Pool 2 (DeepSTARR's every block): the two backward loops by hand, eight windows at a
// time. The compiler's own vectorisation of them gathers (slow on AMD) or leaves them
// scalar, and they were about two thirds of the fused backward pass.
__attribute__((target("avx2,fma"))) inline void input_gradient_pool2_avx2(const float* z, const float* g,
                                                                           const std::uint8_t* code, float* dz,
                                                                           std::int64_t length, std::int64_t pooled,
                                                                           float alpha, float beta, float k) {
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta), vk = _mm256_set1_ps(k);
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  std::int64_t j = 0;
  for (; j + 8 <= pooled; j += 8) {
    const __m256 kg = _mm256_mul_ps(vk, _mm256_loadu_ps(g + j));
    std::int64_t packed;
    __builtin_memcpy(&packed, code + j, sizeof packed);
    const __m256i c = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(packed));
    const __m256 first = _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(c, zero)), kg);
    const __m256 second = _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(c, one)), kg);
    // Back to positions: window w's two values go to 2w and 2w + 1.
    const __m256 low = _mm256_unpacklo_ps(first, second), high = _mm256_unpackhi_ps(first, second);
    const __m256 add0 = _mm256_permute2f128_ps(low, high, 0x20), add1 = _mm256_permute2f128_ps(low, high, 0x31);
    float* out = dz + 2 * j;
    const float* in = z + 2 * j;
    _mm256_storeu_ps(out, _mm256_add_ps(_mm256_fmadd_ps(vb, _mm256_loadu_ps(in), va), add0));
    _mm256_storeu_ps(out + 8, _mm256_add_ps(_mm256_fmadd_ps(vb, _mm256_loadu_ps(in + 8), va), add1));
  }
  for (std::int64_t l = 2 * j; l < length; ++l) dz[l] = alpha + beta * z[l];
  for (; j < pooled; ++j)
    if (code[j] != kNoGradient) dz[2 * j + code[j]] += k * g[j];
}

__attribute__((target("avx2,fma"))) inline void gradient_sums_pool2_avx2(const float* z, const float* g,
                                                                          const std::uint8_t* code,
                                                                          std::int64_t pooled, float mean,
                                                                          double& sum_g, double& sum_g_centred) {
  const __m256 vmean = _mm256_set1_ps(mean);
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  __m256 s = _mm256_setzero_ps(), sx = _mm256_setzero_ps();
  std::int64_t j = 0;
  for (; j + 8 <= pooled; j += 8) {
    __m256 even, odd;
    deinterleave_pairs(z + 2 * j, even, odd);
    std::int64_t packed;
    __builtin_memcpy(&packed, code + j, sizeof packed);
    const __m256i c = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(packed));
    const __m256 takes_first = _mm256_castsi256_ps(_mm256_cmpeq_epi32(c, zero));
    const __m256 takes_second = _mm256_castsi256_ps(_mm256_cmpeq_epi32(c, one));
    const __m256 chosen = _mm256_blendv_ps(even, odd, takes_second);
    const __m256 gj = _mm256_and_ps(_mm256_or_ps(takes_first, takes_second), _mm256_loadu_ps(g + j));
    s = _mm256_add_ps(s, gj);
    sx = _mm256_fmadd_ps(gj, _mm256_sub_ps(chosen, vmean), sx);
  }
  alignas(32) float ls[8], lx[8];
  _mm256_store_ps(ls, s);
  _mm256_store_ps(lx, sx);
  float ts = 0, tx = 0;
  for (int k = 0; k < 8; ++k) {
    ts += ls[k];
    tx += lx[k];
  }
  for (; j < pooled; ++j)
    if (code[j] != kNoGradient) {
      ts += g[j];
      tx += g[j] * (z[2 * j + code[j]] - mean);
    }
  sum_g += ts;
  sum_g_centred += tx;
}

__attribute__((target("avx2,fma"))) inline void input_gradient_row_avx2(const float* z, const float* g,
                                                                         const std::uint8_t* code, float* dz,
                                                                         std::int64_t length, std::int64_t pooled,
                                                                         std::int64_t pool, float alpha, float beta,
                                                                         float k) {
  if (pool == 2) return input_gradient_pool2_avx2(z, g, code, dz, length, pooled, alpha, beta, k);
  input_gradient_row_dispatch<1>(z, g, code, dz, length, pooled, pool, alpha, beta, k);
}
__attribute__((target("avx2,fma"))) inline void gradient_sums_avx2(const float* z, const float* g,
                                                                    const std::uint8_t* code, std::int64_t pooled,
                                                                    std::int64_t pool, float mean, double& sum_g,
                                                                    double& sum_g_centred) {
  if (pool == 2) return gradient_sums_pool2_avx2(z, g, code, pooled, mean, sum_g, sum_g_centred);
  gradient_sums_dispatch<1>(z, g, code, pooled, pool, mean, sum_g, sum_g_centred);
}
inline bool use_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

inline void shifted_sums_any(const float* x, std::int64_t n, float shift, double& sum, double& sum_squares) {
#ifdef EVOAUG_FUSED_HAS_AVX2
  if (use_avx2()) return shifted_sums_avx2(x, n, shift, sum, sum_squares);
#endif
  shifted_sums<0>(x, n, shift, sum, sum_squares);
}
inline void normalise_relu_pool_any(const float* z, float* out, std::uint8_t* code, std::int64_t pooled, float a,
                                    float b, std::int64_t pool) {
#ifdef EVOAUG_FUSED_HAS_AVX2
  if (use_avx2()) return normalise_relu_pool_avx2(z, out, code, pooled, a, b, pool);
#endif
  normalise_relu_pool_dispatch<0>(z, out, code, pooled, a, b, pool);
}
inline void input_gradient_row_any(const float* z, const float* g, const std::uint8_t* code, float* dz,
                                   std::int64_t length, std::int64_t pooled, std::int64_t pool, float alpha,
                                   float beta, float k) {
#ifdef EVOAUG_FUSED_HAS_AVX2
  if (use_avx2()) return input_gradient_row_avx2(z, g, code, dz, length, pooled, pool, alpha, beta, k);
#endif
  input_gradient_row_dispatch<0>(z, g, code, dz, length, pooled, pool, alpha, beta, k);
}

inline void gradient_sums_any(const float* z, const float* g, const std::uint8_t* code, std::int64_t pooled,
                              std::int64_t pool, float mean, double& sum_g, double& sum_g_centred) {
#ifdef EVOAUG_FUSED_HAS_AVX2
  if (use_avx2()) return gradient_sums_avx2(z, g, code, pooled, pool, mean, sum_g, sum_g_centred);
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
