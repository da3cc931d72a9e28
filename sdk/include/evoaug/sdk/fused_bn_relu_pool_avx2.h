// x86 AVX2 versions of the fused batch norm -> ReLU -> max-pool's row kernels
// (fused_bn_relu_pool_rows.h), eight windows at a time, for the pool sizes of the paper's
// models that need them: 2 (DeepSTARR's every block, the ChIP CNN's last) and 4 (the ChIP
// CNN's first two). Same rules as the portable loops: the first maximum of a window wins
// ties, NaN wins and propagates, no gradient unless the output is positive.
//
// Why by hand: the compiler's vectorisation of the window loops gathers (slow on AMD) or
// leaves them scalar; these were about two thirds of DeepSTARR's fused backward pass and
// half of its forward (docs/performance.md). A row's last partial group of eight windows
// uses masked loads and stores, so that short rows (the last blocks' are 6-60 windows)
// stay vectorised. Compiled for AVX2 function by function (target attribute), chosen at
// run time (has_avx2_fma(), cpu_features.h), so the build does not need -mavx2 and runs on any x86-64.
#pragma once

#include "evoaug/sdk/cpu_features.h"
#include "evoaug/sdk/fused_bn_relu_pool_rows.h"

#ifdef EVOAUG_SDK_X86
#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace evoaug::sdk::fused::detail {

#define EVOAUG_AVX2 __attribute__((target("avx2,fma")))

/// Lanes 0..count-1 set (count is clamped to [0, 8]).
EVOAUG_AVX2 inline __m256i lanes_below(std::int64_t count) {
  const auto n = static_cast<int>(std::clamp<std::int64_t>(count, 0, 8));
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// The 8 floats at p, or only the first `count` of them (the rest read as 0, and not read).
EVOAUG_AVX2 inline __m256 load_first(const float* p, std::int64_t count) {
  return count >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, lanes_below(count));
}

EVOAUG_AVX2 inline void store_first(float* p, __m256 v, std::int64_t count) {
  if (count >= 8)
    _mm256_storeu_ps(p, v);
  else
    _mm256_maskstore_ps(p, lanes_below(count), v);
}

/// The 8 window codes at code (or the first `count`; the rest read as 0), as int32 lanes.
EVOAUG_AVX2 inline __m256i load_codes(const std::uint8_t* code, std::int64_t count) {
  std::uint64_t packed = 0;
  std::memcpy(&packed, code, static_cast<std::size_t>(std::min<std::int64_t>(count, 8)));
  return _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(packed)));
}

/// Eight window codes (0..3 or kNoGradient as int32 lanes), the first `count` stored as bytes.
EVOAUG_AVX2 inline void store_codes(__m256i codes, std::uint8_t* code, std::int64_t count) {
  const __m256i words = _mm256_packs_epi32(codes, codes);  // per half: c0..c3 c0..c3
  const __m256i bytes = _mm256_packus_epi16(words, words);
  const auto low = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm256_castsi256_si128(bytes)));
  const auto high = static_cast<std::uint32_t>(_mm_cvtsi128_si32(_mm256_extracti128_si256(bytes, 1)));
  const std::uint64_t packed = low | (static_cast<std::uint64_t>(high) << 32);
  std::memcpy(code, &packed, static_cast<std::size_t>(std::min<std::int64_t>(count, 8)));
}

EVOAUG_AVX2 inline float horizontal_sum(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

/// The 16 values of (a, b) as (even positions, odd positions), each in order.
EVOAUG_AVX2 inline void deinterleave(__m256 a, __m256 b, __m256& even, __m256& odd) {
  // The shuffle works within 128-bit halves; the permute puts its quarters back in order.
  even = _mm256_castpd_ps(
      _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))), 0xD8));
  odd = _mm256_castpd_ps(
      _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))), 0xD8));
}

/// Eight windows of 2 from z (`windows` of them valid): at[t] holds position t of each.
EVOAUG_AVX2 inline void load_pairs(const float* z, std::int64_t windows, __m256 at[2]) {
  deinterleave(load_first(z, 2 * windows), load_first(z + 8, 2 * windows - 8), at[0], at[1]);
}

/// Eight windows of 4 from z (`windows` of them valid): at[t] holds position t of each.
EVOAUG_AVX2 inline void load_quads(const float* z, std::int64_t windows, __m256 at[4]) {
  __m256 low[2], high[2];  // windows 0-3 and 4-7, positions (0, 2) and (1, 3) alternating
  deinterleave(load_first(z, 4 * windows), load_first(z + 8, 4 * windows - 8), low[0], low[1]);
  deinterleave(load_first(z + 16, 4 * windows - 16), load_first(z + 24, 4 * windows - 24), high[0], high[1]);
  deinterleave(low[0], high[0], at[0], at[2]);
  deinterleave(low[1], high[1], at[1], at[3]);
}

/// Two vector accumulators for each sum: with one, each addition waits for the last, and
/// the statistics pass took four times as long. The tail is masked, not scalar.
EVOAUG_AVX2 inline void shifted_sums_avx2(const float* x, std::int64_t n, float shift, double& sum,
                                          double& sum_squares) {
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
  for (; i < n; i += 8) {
    const __m256 valid = _mm256_castsi256_ps(lanes_below(n - i));
    const __m256 d = _mm256_and_ps(valid, _mm256_sub_ps(load_first(x + i, n - i), vshift));
    s0 = _mm256_add_ps(s0, d);
    q0 = _mm256_fmadd_ps(d, d, q0);
  }
  sum += horizontal_sum(_mm256_add_ps(s0, s1));
  sum_squares += horizontal_sum(_mm256_add_ps(q0, q1));
}

/// normalise_relu_pool_row for pool 2 or 4.
template <int Pool>
EVOAUG_AVX2 inline void normalise_relu_pool_avx2(const float* z, float* out, std::uint8_t* code, std::int64_t pooled,
                                                 float a, float b) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b), zero = _mm256_setzero_ps();
  const __m256i none = _mm256_set1_epi32(kNoGradient);
  for (std::int64_t j = 0; j < pooled; j += 8) {
    const std::int64_t windows = pooled - j;
    __m256 at[Pool];
    if constexpr (Pool == 2)
      load_pairs(z + 2 * j, windows, at);
    else
      load_quads(z + 4 * j, windows, at);
    __m256 best = _mm256_fmadd_ps(va, at[0], vb);
    __m256i arg = _mm256_setzero_si256();
    for (int t = 1; t < Pool; ++t) {  // a later value wins only if greater, or NaN
      const __m256 v = _mm256_fmadd_ps(va, at[t], vb);
      const __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
      best = _mm256_blendv_ps(best, v, take);
      arg = _mm256_castps_si256(
          _mm256_blendv_ps(_mm256_castsi256_ps(arg), _mm256_castsi256_ps(_mm256_set1_epi32(t)), take));
    }
    const __m256 positive = _mm256_cmp_ps(best, zero, _CMP_GT_OQ);
    const __m256 keep = _mm256_or_ps(positive, _mm256_cmp_ps(best, best, _CMP_UNORD_Q));
    store_first(out + j, _mm256_and_ps(keep, best), windows);
    store_codes(_mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(none), _mm256_castsi256_ps(arg), positive)),
                code + j, windows);
  }
}

/// input_gradient_row for pool 2: window w's two values go back to positions 2w, 2w + 1.
EVOAUG_AVX2 inline void input_gradient_pool2_avx2(const float* z, const float* g, const std::uint8_t* code, float* dz,
                                                  std::int64_t length, std::int64_t pooled, float alpha, float beta,
                                                  float k) {
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta), vk = _mm256_set1_ps(k);
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  for (std::int64_t j = 0; j < pooled; j += 8) {
    const std::int64_t windows = pooled - j;
    const __m256 kg = _mm256_mul_ps(vk, load_first(g + j, windows));
    const __m256i c = load_codes(code + j, windows);
    const __m256 first = _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(c, zero)), kg);
    const __m256 second = _mm256_and_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(c, one)), kg);
    const __m256 low = _mm256_unpacklo_ps(first, second), high = _mm256_unpackhi_ps(first, second);
    const __m256 add0 = _mm256_permute2f128_ps(low, high, 0x20), add1 = _mm256_permute2f128_ps(low, high, 0x31);
    const float* in = z + 2 * j;
    float* out = dz + 2 * j;
    store_first(out, _mm256_add_ps(_mm256_fmadd_ps(vb, load_first(in, 2 * windows), va), add0), 2 * windows);
    store_first(out + 8, _mm256_add_ps(_mm256_fmadd_ps(vb, load_first(in + 8, 2 * windows - 8), va), add1),
                2 * windows - 8);
  }
  for (std::int64_t l = 2 * pooled; l < length; ++l) dz[l] = alpha + beta * z[l];  // the floored tail
}

/// gradient_sums_row for pool 2. A masked lane reads code 0 and gradient 0: it adds 0.
EVOAUG_AVX2 inline void gradient_sums_pool2_avx2(const float* z, const float* g, const std::uint8_t* code,
                                                 std::int64_t pooled, float mean, double& sum_g,
                                                 double& sum_g_centred) {
  const __m256 vmean = _mm256_set1_ps(mean);
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  __m256 s = _mm256_setzero_ps(), sx = _mm256_setzero_ps();
  for (std::int64_t j = 0; j < pooled; j += 8) {
    const std::int64_t windows = pooled - j;
    __m256 at[2];
    load_pairs(z + 2 * j, windows, at);
    const __m256i c = load_codes(code + j, windows);
    const __m256 takes_first = _mm256_castsi256_ps(_mm256_cmpeq_epi32(c, zero));
    const __m256 takes_second = _mm256_castsi256_ps(_mm256_cmpeq_epi32(c, one));
    const __m256 chosen = _mm256_blendv_ps(at[0], at[1], takes_second);
    const __m256 gj = _mm256_and_ps(_mm256_or_ps(takes_first, takes_second), load_first(g + j, windows));
    s = _mm256_add_ps(s, gj);
    sx = _mm256_fmadd_ps(gj, _mm256_sub_ps(chosen, vmean), sx);
  }
  sum_g += horizontal_sum(s);
  sum_g_centred += horizontal_sum(sx);
}

// The dispatch by pool size: the portable loops for the others.
EVOAUG_AVX2 inline void normalise_relu_pool_row_avx2(const float* z, float* out, std::uint8_t* code,
                                                     std::int64_t pooled, float a, float b, std::int64_t pool) {
  if (pool == 2) return normalise_relu_pool_avx2<2>(z, out, code, pooled, a, b);
  if (pool == 4) return normalise_relu_pool_avx2<4>(z, out, code, pooled, a, b);
  normalise_relu_pool_dispatch<1>(z, out, code, pooled, a, b, pool);
}
EVOAUG_AVX2 inline void input_gradient_row_avx2(const float* z, const float* g, const std::uint8_t* code, float* dz,
                                                std::int64_t length, std::int64_t pooled, std::int64_t pool,
                                                float alpha, float beta, float k) {
  if (pool == 2) return input_gradient_pool2_avx2(z, g, code, dz, length, pooled, alpha, beta, k);
  input_gradient_row_dispatch<1>(z, g, code, dz, length, pooled, pool, alpha, beta, k);
}
EVOAUG_AVX2 inline void gradient_sums_avx2(const float* z, const float* g, const std::uint8_t* code,
                                           std::int64_t pooled, std::int64_t pool, float mean, double& sum_g,
                                           double& sum_g_centred) {
  if (pool == 2) return gradient_sums_pool2_avx2(z, g, code, pooled, mean, sum_g, sum_g_centred);
  gradient_sums_dispatch<1>(z, g, code, pooled, pool, mean, sum_g, sum_g_centred);
}

#undef EVOAUG_AVX2

}  // namespace evoaug::sdk::fused::detail

#endif
