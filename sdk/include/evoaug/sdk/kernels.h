// Batched kernels shared by augmentations: a fast seeded random number generator, a
// vectorised Gaussian sampler, random one-hot DNA, the "row assembly" that most sequence
// edits reduce to (copy pieces of the input, reverse-complement some, fill others with
// random DNA), and RowKernel, the per-row interface the pipeline fuses ops through.
// Header-only; depends on LibTorch and the standard library only, so third-party
// plugins may use it too (GCC or Clang: the sampler uses their vector extensions).
//
// Two paths, by design:
//  - the CPU fast path (float32 on the CPU): one 64-bit seed is drawn from the batch's
//    generator per call, and every row then draws from its own small generator seeded
//    from (seed, row). Rows are independent, so the result does not depend on the number
//    of threads, and the same generator state gives the same output. An op that
//    implements RowKernel (every built-in one) edits one row at a time; its apply() runs
//    that over the batch (apply_rows), and the pipeline runs each row through all of its
//    ops at once without gathering rows per op.
//  - the generic path (any other device or dtype, e.g. CUDA): the same edits written
//    with torch operations that draw from the batch's generator on its device.
//
// Alphabet: one-hot channels in the order A, C, G, T, so the complement of channel c is
// channel A - 1 - c, and a reverse complement is a flip of both the channel and the
// position axes.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

#include "evoaug/sdk/cpu_features.h"
#include <vector>

#include "evoaug/sdk/error.h"
#include "evoaug/sdk/params.h"

namespace evoaug::sdk::kernels {

/// An inclusive range of lengths (nucleotides) read from two parameters.
struct LengthRange {
  std::int64_t min = 0;
  std::int64_t max = 0;
};

/// Reads `min_key` and `max_key` and checks 0 <= min <= max < `length` (the sequence
/// length the op is built for). Throws ParamError naming the key at fault.
inline LengthRange read_length_range(const Params& params, const std::string& min_key, const std::string& max_key,
                                     std::int64_t length) {
  LengthRange range{params.integer(min_key), params.integer(max_key)};
  if (range.min < 0) throw ParamError(min_key, min_key + " must be >= 0, got " + std::to_string(range.min));
  if (range.min > range.max)
    throw ParamError(min_key, min_key + " (" + std::to_string(range.min) + ") must not exceed " + max_key + " (" +
                                  std::to_string(range.max) + ")");
  if (range.max >= length)
    throw ParamError(max_key, max_key + " (" + std::to_string(range.max) +
                                  ") must be less than the sequence length L = " + std::to_string(length));
  return range;
}

/// Refuses an alphabet other than DNA's four letters, for ops that need a complement.
inline void require_dna_alphabet(std::int64_t alphabet, const char* op) {
  if (alphabet != 4)
    throw Error(std::string(op) + " needs a DNA complement, so the alphabet must have 4 channels (A, C, G, T); got " +
                std::to_string(alphabet));
}

/// True when `batch` takes the CPU fast path (float32 on the CPU); anything else, CUDA
/// included, takes the generic torch-operations path.
inline bool use_fast_path(const at::Tensor& batch) {
  return batch.device().is_cpu() && batch.scalar_type() == at::kFloat;
}

/// Checks what every augmentation expects of its input: a floating-point (N, A, L) batch
/// with `alphabet` channels on the generator's device. Throws Error naming `op`.
inline void check_batch(const at::Tensor& batch, const at::Generator& generator, std::int64_t alphabet,
                        const char* op) {
  if (batch.dim() != 3 || batch.size(1) != alphabet)
    throw Error(std::string(op) + ": expected a batch of shape (N, " + std::to_string(alphabet) + ", L), got " +
                std::to_string(batch.dim()) + " dimensions" +
                (batch.dim() >= 2 ? " with " + std::to_string(batch.size(1)) + " channels" : std::string()));
  if (!batch.is_floating_point())
    throw Error(std::string(op) + ": expected a floating-point batch (one-hot as float), got " +
                std::string(c10::toString(batch.scalar_type())));
  if (batch.device() != generator.device())
    throw Error(std::string(op) + ": the batch is on " + batch.device().str() + " but the generator on " +
                generator.device().str() + "; use a generator of the batch's device");
}

/// One 64-bit seed from `generator`, advancing it. On the CPU this is one call to the
/// generator's own random64() (under its lock); on another device two integers are drawn
/// with torch::randint on that device and combined.
inline std::uint64_t draw_seed(at::Generator& generator) {
  if (generator.device().is_cpu()) {
    std::lock_guard<std::mutex> lock(generator.mutex());
    return at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
  }
  const at::Tensor parts =
      at::randint(0, std::int64_t{1} << 32, {2}, generator, at::TensorOptions().dtype(at::kLong).device(generator.device()))
          .cpu();
  const auto* p = parts.data_ptr<std::int64_t>();
  return (static_cast<std::uint64_t>(p[0]) << 32) ^ static_cast<std::uint64_t>(p[1]);
}

/// SplitMix64's finaliser: a bijective mix of 64 bits (used to derive per-row seeds).
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// A small, fast generator (wyrand: one 64x64->128 multiply per draw) for tight loops.
/// Not cryptographic; statistically sound for augmentation.
class Rng {
 public:
  /// The generator of row `row` of a call that drew `seed`.
  Rng(std::uint64_t seed, std::uint64_t row) : state_(mix64(seed ^ mix64(row + 0x9e3779b97f4a7c15ULL))) {}

  std::uint64_t next() {
    state_ += 0xa0761d6478bd642fULL;
    const __uint128_t t = static_cast<__uint128_t>(state_) * (state_ ^ 0xe7037ed1a0b428dbULL);
    return static_cast<std::uint64_t>(t >> 64) ^ static_cast<std::uint64_t>(t);
  }
  /// Uniform integer in [0, n) (Lemire's multiply-shift; n < 2^32).
  std::uint32_t below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((next() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
  }
  /// Uniform integer in [lo, hi] (inclusive).
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint32_t>(hi - lo + 1)));
  }
  /// Uniform double in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

namespace detail {

// ---------------------------------------------------------------------------------
// Gaussian sampler: Box-Muller on 16 xoshiro128++ streams, written with the compiler's
// vector extensions (GCC, Clang) and compiled three times: AVX-512, AVX2+FMA (chosen at
// run time) and portable (SSE2 on x86-64, NEON on AArch64).
//
// A call draws one 64-bit key from the row's Rng and seeds 16 xoshiro128++ streams
// ("lanes") from it. The values are a stream of blocks of 32 floats: in block b, lane l
// (l < 16) draws two 32-bit words (u, v) and gives the cosine output at b*32 + l and the
// sine output at b*32 + 16 + l. Every variant computes each lane with the same
// operations, so they draw the same numbers; only the rounding of fused multiply-adds
// (AVX2 and AVX-512 use them, the portable variant does not) can change the last bits.
// Per pair:
//   u1 = (u >> 1 + 1) / 2^31 in (0, 1], r = sqrt(-2 ln u1) (so |z| <= 6.56);
//   the angle: phi = (v mod 2^30) / 2^30 * pi/2 - pi/4 in [-pi/4, pi/4), turned by pi/4
//   into [0, pi/2) and put in one of the four quadrants by the top two bits of v (negate
//   cos, negate sin): uniform on [0, 2 pi);
//   z1 = r cos, z2 = r sin.
// ln uses the exponent and a degree-9 polynomial on [sqrt(1/2), sqrt(2)) (Cephes'
// logf, error ~1e-7), sqrt two Newton steps on 1/sqrt (error ~1e-7), sin and cos
// Cephes' polynomials on [-pi/4, pi/4] (error ~1e-7): no branches, no libm calls.
// ---------------------------------------------------------------------------------

#if defined(__GNUC__) || defined(__clang__)
#define EVOAUG_KERNELS_INLINE inline __attribute__((always_inline))

constexpr int kGaussLanes = 16;                        ///< xoshiro128++ streams per call
constexpr int kGaussBlock = 2 * kGaussLanes;           ///< floats per block
constexpr int kGaussChunk = 16;                        ///< blocks per chunk

/// Lane vectors of W 32-bit values.
struct Lanes4 {
  static constexpr int width = 4;
  typedef float f __attribute__((vector_size(16)));
  typedef std::uint32_t u __attribute__((vector_size(16)));
  typedef std::int32_t i __attribute__((vector_size(16)));
};
struct Lanes8 {
  static constexpr int width = 8;
  typedef float f __attribute__((vector_size(32)));
  typedef std::uint32_t u __attribute__((vector_size(32)));
  typedef std::int32_t i __attribute__((vector_size(32)));
};
struct Lanes16 {
  static constexpr int width = 16;
  typedef float f __attribute__((vector_size(64)));
  typedef std::uint32_t u __attribute__((vector_size(64)));
  typedef std::int32_t i __attribute__((vector_size(64)));
};

/// The 16 streams' state: word w of lane l is s[w][l].
struct GaussState {
  alignas(64) std::uint32_t s[4][kGaussLanes];
};

/// Murmur3's 32-bit finaliser (a bijection).
EVOAUG_KERNELS_INLINE std::uint32_t fmix32(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

/// Seeds the 16 streams from one 64-bit key: word w of lane l is a hash of (key, w, l).
EVOAUG_KERNELS_INLINE void seed_gauss(GaussState& state, std::uint64_t key) {
  const auto lo = static_cast<std::uint32_t>(key), hi = static_cast<std::uint32_t>(key >> 32);
  for (int w = 0; w < 4; ++w)
    for (int l = 0; l < kGaussLanes; ++l)
      state.s[w][l] = fmix32(fmix32(lo + static_cast<std::uint32_t>(w * kGaussLanes + l) * 0x9e3779b9u) ^ hi);
  for (int l = 0; l < kGaussLanes; ++l)  // an all-zero state would stay zero (chance 2^-128)
    state.s[0][l] |= static_cast<std::uint32_t>((state.s[0][l] | state.s[1][l] | state.s[2][l] | state.s[3][l]) == 0);
}

// The helpers below take and give vectors by reference only: a vector passed by value
// to a function compiled without AVX would change the ABI (and GCC says so, -Wpsabi).

template <typename To, typename From>
EVOAUG_KERNELS_INLINE void bit_cast_vector(To& to, const From& from) {
  static_assert(sizeof(To) == sizeof(From), "same size");
  std::memcpy(&to, &from, sizeof to);
}

/// One xoshiro128++ step of W lanes; the output goes to `result`.
template <typename V>
EVOAUG_KERNELS_INLINE void xoshiro_step(typename V::u& result, typename V::u& s0, typename V::u& s1,
                                        typename V::u& s2, typename V::u& s3) {
  const typename V::u sum = s0 + s3;
  result = ((sum << 7) | (sum >> 25)) + s0;
  const typename V::u t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = (s3 << 11) | (s3 >> 21);
}

/// W Box-Muller pairs from lanes' words (u, v): cos outputs to out[0, W), sine outputs
/// to out[16, 16 + W), each plus in[] at the same place, plus mean.
template <typename V>
EVOAUG_KERNELS_INLINE void box_muller_lanes(const typename V::u& u, const typename V::u& v, const float* in,
                                            float* out, const typename V::f& mean, const typename V::f& sd) {
  using F = typename V::f;
  using U = typename V::u;
  using I = typename V::i;
  // u1 in (0, 1]; ln(u1) with u1 = m * 2^e, m in [sqrt(1/2), sqrt(2)).
  I top;
  bit_cast_vector(top, u >> 1);
  const F u1 = (__builtin_convertvector(top, F) + 1.0f) * 4.656612873077393e-10f;
  U bits;
  bit_cast_vector(bits, u1);
  I mantissa, exponent;
  bit_cast_vector(mantissa, bits & 0x7fffffu);
  bit_cast_vector(exponent, bits >> 23);
  const I above = mantissa > 0x3504f3;  // -1 where m would be >= sqrt(2): halve it
  F m;
  bit_cast_vector(m, (mantissa | 0x3f800000) - (above & 0x800000));
  const F e = __builtin_convertvector(exponent - 127 - above, F);
  const F x = m - 1.0f, x2 = x * x;
  F p = x * 7.0376836292e-2f - 1.1514610310e-1f;
  p = p * x + 1.1676998740e-1f;
  p = p * x - 1.2420140846e-1f;
  p = p * x + 1.4249322787e-1f;
  p = p * x - 1.6668057665e-1f;
  p = p * x + 2.0000714765e-1f;
  p = p * x - 2.4999993993e-1f;
  p = p * x + 3.3333331174e-1f;
  const F ln = x * x2 * p - 0.5f * x2 + x + e * 0.693147180559945f;
  // r = sqrt(y) = y / sqrt(y), 1/sqrt(y) by the bit trick and two Newton steps. y = 0
  // (u1 = 1) gives r = 0.
  const F y = ln * -2.0f, half = ln * -1.0f;
  U y_bits;
  bit_cast_vector(y_bits, y);
  F q;
  bit_cast_vector(q, 0x5f375a86u - (y_bits >> 1));
  q = q * (1.5f - half * q * q);
  q = q * (1.5f - half * q * q);
  const F r = y * q * (sd * 0.70710678118654752f);  // the 1/sqrt(2) of the rotation below
  // The angle: phi in [-pi/4, pi/4), rotated by pi/4 into [0, pi/2), then one of the
  // four quadrants by two sign flips.
  I fraction;
  bit_cast_vector(fraction, v & 0x3fffffffu);
  const F phi = __builtin_convertvector(fraction, F) * 1.4629180792671596e-9f - 0.78539816339744831f;
  const F phi2 = phi * phi;
  const F s = ((phi2 * -1.9515295891e-4f + 8.3321608736e-3f) * phi2 - 1.6666654611e-1f) * phi2 * phi + phi;
  const F c = ((phi2 * 2.443315711809948e-5f - 1.388731625493765e-3f) * phi2 + 4.166664568298827e-2f) * phi2 * phi2 -
              0.5f * phi2 + 1.0f;
  // sqrt(2) cos(phi + pi/4) = c - s, sqrt(2) sin(phi + pi/4) = c + s.
  U cos_bits, sin_bits;
  bit_cast_vector(cos_bits, c - s);
  bit_cast_vector(sin_bits, c + s);
  cos_bits ^= (v << 1) & 0x80000000u;  // bit 30: negate cos
  sin_bits ^= v & 0x80000000u;         // bit 31: negate sin
  F cos_v, sin_v, in_c, in_s;
  bit_cast_vector(cos_v, cos_bits);
  bit_cast_vector(sin_v, sin_bits);
  std::memcpy(&in_c, in, sizeof in_c);
  std::memcpy(&in_s, in + kGaussLanes, sizeof in_s);
  const F out_c = in_c + mean + r * cos_v;
  const F out_s = in_s + mean + r * sin_v;
  std::memcpy(out, &out_c, sizeof out_c);
  std::memcpy(out + kGaussLanes, &out_s, sizeof out_s);
}

/// out = in + mean + sd * z over `lines` lines of `length` floats (line k of in at
/// in + k * in_stride, of out at out + k * out_stride), read as one stream of
/// lines * length values, line after line. in may equal out (with equal strides).
template <typename V>
EVOAUG_KERNELS_INLINE void add_gaussian_engine(const float* in, std::int64_t in_stride, float* out,
                                               std::int64_t out_stride, std::int64_t lines, std::int64_t length,
                                               float mean, float sd, std::uint64_t key) {
  using F = typename V::f;
  using U = typename V::u;
  constexpr int W = V::width;
  const std::int64_t total = lines * length;
  if (total <= 0) return;
  if (in_stride == length && out_stride == length) {  // contiguous lines: one long line
    length = total;
    lines = 1;
  }
  GaussState state;
  seed_gauss(state, key);
  const F mean_v = F{} + mean, sd_v = F{} + sd;
  alignas(64) float scratch_in[kGaussChunk][kGaussBlock];
  alignas(64) float scratch_out[kGaussChunk][kGaussBlock];
  const float* block_in[kGaussChunk];
  float* block_out[kGaussChunk];
  for (std::int64_t first = 0; first < total; first += kGaussChunk * kGaussBlock) {
    const int blocks =
        static_cast<int>(std::min<std::int64_t>(kGaussChunk, (total - first + kGaussBlock - 1) / kGaussBlock));
    int split = 0;  // blocks that cross a line end or the stream's end go through scratch
    for (int b = 0; b < blocks; ++b) {
      const std::int64_t at = first + static_cast<std::int64_t>(b) * kGaussBlock;
      const std::int64_t line = at / length, position = at - line * length;
      if (position + kGaussBlock <= length) {
        block_in[b] = in + line * in_stride + position;
        block_out[b] = out + line * out_stride + position;
      } else {
        std::int64_t i = at;
        int k = 0;
        while (k < kGaussBlock && i < total) {  // the pieces of the lines it covers
          const std::int64_t l = i / length, p = i - l * length;
          const int piece = static_cast<int>(std::min<std::int64_t>({kGaussBlock - k, length - p, total - i}));
          std::memcpy(scratch_in[b] + k, in + l * in_stride + p, sizeof(float) * piece);
          k += piece;
          i += piece;
        }
        std::fill(scratch_in[b] + k, scratch_in[b] + kGaussBlock, 0.0f);
        block_in[b] = scratch_in[b];
        block_out[b] = scratch_out[b];
        ++split;
      }
    }
    for (int g = 0; g < kGaussLanes / W; ++g) {  // lane groups: each keeps its state in registers
      U s0, s1, s2, s3;
      std::memcpy(&s0, &state.s[0][g * W], sizeof s0);
      std::memcpy(&s1, &state.s[1][g * W], sizeof s1);
      std::memcpy(&s2, &state.s[2][g * W], sizeof s2);
      std::memcpy(&s3, &state.s[3][g * W], sizeof s3);
      for (int b = 0; b < blocks; ++b) {
        U u, v;
        xoshiro_step<V>(u, s0, s1, s2, s3);
        xoshiro_step<V>(v, s0, s1, s2, s3);
        box_muller_lanes<V>(u, v, block_in[b] + g * W, block_out[b] + g * W, mean_v, sd_v);
      }
      std::memcpy(&state.s[0][g * W], &s0, sizeof s0);
      std::memcpy(&state.s[1][g * W], &s1, sizeof s1);
      std::memcpy(&state.s[2][g * W], &s2, sizeof s2);
      std::memcpy(&state.s[3][g * W], &s3, sizeof s3);
    }
    if (split > 0)
      for (int b = 0; b < blocks; ++b) {
        if (block_out[b] != scratch_out[b]) continue;
        std::int64_t i = first + static_cast<std::int64_t>(b) * kGaussBlock;
        int k = 0;
        while (k < kGaussBlock && i < total) {
          const std::int64_t l = i / length, p = i - l * length;
          const int piece = static_cast<int>(std::min<std::int64_t>({kGaussBlock - k, length - p, total - i}));
          std::memcpy(out + l * out_stride + p, scratch_out[b] + k, sizeof(float) * piece);
          k += piece;
          i += piece;
        }
      }
  }
}

inline void add_gaussian_portable(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride,
                                  std::int64_t lines, std::int64_t length, float mean, float sd, std::uint64_t key) {
  add_gaussian_engine<Lanes4>(in, in_stride, out, out_stride, lines, length, mean, sd, key);
}

#if defined(__x86_64__) || defined(__i386__)
#define EVOAUG_KERNELS_X86 1
__attribute__((target("avx2,fma"))) inline void add_gaussian_avx2(const float* in, std::int64_t in_stride,
                                                                   float* out, std::int64_t out_stride,
                                                                   std::int64_t lines, std::int64_t length,
                                                                   float mean, float sd, std::uint64_t key) {
  add_gaussian_engine<Lanes8>(in, in_stride, out, out_stride, lines, length, mean, sd, key);
}
__attribute__((target("avx512f,avx2,fma"))) inline void add_gaussian_avx512(const float* in, std::int64_t in_stride,
                                                                             float* out, std::int64_t out_stride,
                                                                             std::int64_t lines, std::int64_t length,
                                                                             float mean, float sd, std::uint64_t key) {
  add_gaussian_engine<Lanes16>(in, in_stride, out, out_stride, lines, length, mean, sd, key);
}
#endif

#undef EVOAUG_KERNELS_INLINE
#else
#error "evoaug/sdk/kernels.h needs GCC or Clang (vector extensions)"
#endif

/// The compiled variants of the Gaussian sampler (tests compare them); `automatic` is
/// the fastest this CPU can run, which add_gaussian() takes.
enum class GaussianVariant { automatic, portable, avx2, avx512 };

/// Whether this CPU can run `variant`.
inline bool gaussian_variant_available(GaussianVariant variant) {
  switch (variant) {
    case GaussianVariant::automatic:
    case GaussianVariant::portable:
      return true;
#ifdef EVOAUG_KERNELS_X86
    case GaussianVariant::avx2:
      return has_avx2_fma();
    case GaussianVariant::avx512:
      return has_avx512();
#else
    default:
      return false;
#endif
  }
  return false;
}

/// The sampler with a given variant (automatic: the fastest this CPU has). Throws Error
/// for a variant this CPU cannot run.
inline void add_gaussian_variant(GaussianVariant variant, const float* in, std::int64_t in_stride, float* out,
                                 std::int64_t out_stride, std::int64_t lines, std::int64_t length, float mean,
                                 float sd, std::uint64_t key) {
#ifdef EVOAUG_KERNELS_X86
  if (variant == GaussianVariant::automatic)
    variant = has_avx512() ? GaussianVariant::avx512 : has_avx2_fma() ? GaussianVariant::avx2 : GaussianVariant::portable;
  if (variant == GaussianVariant::avx512 && has_avx512())
    return add_gaussian_avx512(in, in_stride, out, out_stride, lines, length, mean, sd, key);
  if (variant == GaussianVariant::avx2 && has_avx2_fma())
    return add_gaussian_avx2(in, in_stride, out, out_stride, lines, length, mean, sd, key);
#else
  if (variant == GaussianVariant::automatic) variant = GaussianVariant::portable;
#endif
  if (variant != GaussianVariant::portable) throw Error("add_gaussian: this CPU cannot run the requested variant");
  add_gaussian_portable(in, in_stride, out, out_stride, lines, length, mean, sd, key);
}

}  // namespace detail

/// out = in + mean + sd * z for `lines` lines of `length` floats (line k of `in` at
/// in + k * in_stride, of `out` at out + k * out_stride), z i.i.d. standard normal drawn
/// from `rng` (one draw: the key of 16 vectorised streams). The values depend on the
/// lines only through lines * length: the same rng gives the same numbers whatever the
/// strides. `in` may equal `out` (with equal strides).
inline void add_gaussian(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride,
                         std::int64_t lines, std::int64_t length, float mean, float sd, Rng& rng) {
  detail::add_gaussian_variant(detail::GaussianVariant::automatic, in, in_stride, out, out_stride, lines, length,
                               mean, sd, rng.next());
}

/// out[i] = in[i] + mean + sd * z_i for `count` contiguous floats (see above). `in` may
/// equal `out`.
inline void add_gaussian(const float* in, float* out, std::int64_t count, float mean, float sd, Rng& rng) {
  add_gaussian(in, count, out, count, 1, count, mean, sd, rng);
}

/// Runs `body(row)` for rows [0, rows), in parallel over the intra-op thread pool when
/// there is enough work (`cost_per_row` in elements touched).
template <typename F>
void for_each_row(std::int64_t rows, std::int64_t cost_per_row, const F& body) {
  const std::int64_t grain = std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(1, cost_per_row));
  at::parallel_for(0, rows, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) body(r);
  });
}

/// Writes `count` random one-hot columns, uniform over the `alphabet`, at positions
/// [from, from + count) of a row laid out as `alphabet` channels of `stride` floats.
inline void write_random_dna(float* row, std::int64_t stride, std::int64_t alphabet, std::int64_t from,
                             std::int64_t count, Rng& rng) {
  for (std::int64_t c = 0; c < alphabet; ++c) std::memset(row + c * stride + from, 0, sizeof(float) * count);
  if (alphabet == 4) {
    std::uint64_t bits = 0;
    for (std::int64_t j = 0; j < count; ++j) {
      if ((j & 31) == 0) bits = rng.next();  // 32 nucleotides per draw
      row[static_cast<std::int64_t>(bits & 3u) * stride + from + j] = 1.0f;
      bits >>= 2;
    }
  } else {
    for (std::int64_t j = 0; j < count; ++j)
      row[static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(alphabet))) * stride + from + j] = 1.0f;
  }
}

/// One piece of an output row, in 5'-to-3' order.
struct Piece {
  enum Kind : std::uint8_t {
    copy,                ///< input positions [source, source + length), as they are
    reverse_complement,  ///< input positions [source, source + length), reverse-complemented
    random_dna           ///< `length` random one-hot columns (source unused)
  };
  Kind kind = copy;
  std::int64_t source = 0;
  std::int64_t length = 0;
};

/// Builds one output row from pieces of one input row. `in` holds `alphabet` channels,
/// channel c at in + c * in_stride; `out` likewise with out_stride. The pieces are
/// written one after the other from position 0 of `out` (callers make their lengths add
/// up to the output length: not checked here). `in` and `out` must not overlap.
inline void assemble_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride,
                         std::int64_t alphabet, const Piece* pieces, std::size_t piece_count, Rng& rng) {
  std::int64_t at = 0;
  for (std::size_t p = 0; p < piece_count; ++p) {
    const Piece& piece = pieces[p];
    if (piece.length <= 0) continue;
    switch (piece.kind) {
      case Piece::copy:
        for (std::int64_t c = 0; c < alphabet; ++c)
          std::memcpy(out + c * out_stride + at, in + c * in_stride + piece.source, sizeof(float) * piece.length);
        break;
      case Piece::reverse_complement:
        for (std::int64_t c = 0; c < alphabet; ++c) {
          const float* src = in + (alphabet - 1 - c) * in_stride + piece.source + piece.length - 1;
          float* dst = out + c * out_stride + at;
          for (std::int64_t j = 0; j < piece.length; ++j) dst[j] = src[-j];
        }
        break;
      case Piece::random_dna:
        write_random_dna(out, out_stride, alphabet, at, piece.length, rng);
        break;
    }
    at += piece.length;
  }
}

/// Copies `length` positions of each of `alphabet` channels from `in` (channel stride
/// in_stride) to `out` (channel stride out_stride).
inline void copy_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride,
                     std::int64_t alphabet, std::int64_t length) {
  if (in_stride == length && out_stride == length) {
    std::memcpy(out, in, sizeof(float) * alphabet * length);
    return;
  }
  for (std::int64_t c = 0; c < alphabet; ++c)
    std::memcpy(out + c * out_stride, in + c * in_stride, sizeof(float) * length);
}

/// The CPU fast path of an edit: for each row r of the contiguous float32 `batch`
/// (N, A, L), `plan(r, rng, pieces)` fills up to 8 pieces describing output row r (and
/// returns how many); the result has `out_length` positions. `seed` comes from
/// draw_seed().
template <typename Plan>
at::Tensor assemble_rows(const at::Tensor& batch, std::int64_t out_length, std::uint64_t seed, const Plan& plan) {
  const at::Tensor in = batch.contiguous();
  const std::int64_t n = in.size(0), alphabet = in.size(1), length = in.size(2);
  at::Tensor out = at::empty({n, alphabet, out_length}, in.options());
  const float* src = in.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  for_each_row(n, alphabet * out_length, [&](std::int64_t r) {
    Rng rng(seed, static_cast<std::uint64_t>(r));
    Piece pieces[8];
    const std::size_t count = plan(r, rng, pieces);
    assemble_row(src + r * alphabet * length, length, dst + r * alphabet * out_length, out_length, alphabet,
                 pieces, count, rng);
  });
  return out;
}

/// What an Augmentation may implement besides apply(), for the CPU fast path: its edit
/// of one float32 row. The pipeline (core/src/augment) looks for it (dynamic_cast) and,
/// when every op of a pipeline has it, runs each row through all of its ops at once
/// (no gathering of rows, no intermediate batches); other ops go through apply(). An op
/// that implements it should make its fast-path apply() `apply_rows(*this, ...)`, so that
/// both share one definition.
class EVOAUG_SDK_VISIBLE RowKernel {
 public:
  virtual ~RowKernel() = default;

  /// Transforms one row of `length` positions (the length the op is built for, or
  /// another it accepts in apply()) into output_length(length) positions. `in` holds
  /// `alphabet` channels (the op's), channel c at in + c * in_stride; the output goes to
  /// out + c * out_stride (positions beyond output_length(length) are left alone). `in`
  /// and `out` do not overlap. Draws every random number from `rng` (the row's own
  /// generator). Called concurrently for different rows: must not modify the op.
  virtual void apply_row(const float* in, std::int64_t in_stride, float* out, std::int64_t out_stride,
                         std::int64_t length, Rng& rng) const = 0;
};

/// The fast path of an op's apply() through its RowKernel: row r of the (N, A,
/// out_length) result is apply_row() on row r of the contiguous float32 `batch`, with
/// the generator Rng(seed, r). `seed` comes from draw_seed().
inline at::Tensor apply_rows(const RowKernel& kernel, const at::Tensor& batch, std::int64_t out_length,
                             std::uint64_t seed) {
  const at::Tensor in = batch.contiguous();
  const std::int64_t n = in.size(0), alphabet = in.size(1), length = in.size(2);
  at::Tensor out = at::empty({n, alphabet, out_length}, in.options());
  const float* src = in.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  for_each_row(n, alphabet * (length + out_length), [&](std::int64_t r) {
    Rng rng(seed, static_cast<std::uint64_t>(r));
    kernel.apply_row(src + r * alphabet * length, length, dst + r * alphabet * out_length, out_length, length, rng);
  });
  return out;
}

// ---------------------------------------------------------------------------------
// Generic path: torch operations on the batch's device, drawing from its generator.
// ---------------------------------------------------------------------------------

/// Uniform integers in [lo, hi] (inclusive), shape {n}, long, on the generator's device.
inline at::Tensor randint_between(std::int64_t lo, std::int64_t hi, std::int64_t n, at::Generator& generator) {
  return at::randint(lo, hi + 1, {n}, generator, at::TensorOptions().dtype(at::kLong).device(generator.device()));
}

/// Per-row uniform integers in [0, upper[r]] (inclusive), for a long tensor `upper`.
inline at::Tensor randint_up_to(const at::Tensor& upper, at::Generator& generator) {
  const at::Tensor u = at::rand(upper.sizes(), generator, at::TensorOptions().dtype(at::kDouble).device(upper.device()));
  return at::minimum(at::floor(u * (upper + 1).to(at::kDouble)).to(at::kLong), upper);
}

/// Random one-hot DNA of shape (n, alphabet, length), like `like` (dtype, device).
inline at::Tensor random_dna(std::int64_t n, std::int64_t alphabet, std::int64_t length, const at::Tensor& like,
                             at::Generator& generator) {
  const at::Tensor letters =
      at::randint(0, alphabet, {n, length}, generator, at::TensorOptions().dtype(at::kLong).device(like.device()));
  return at::one_hot(letters, alphabet).permute({0, 2, 1}).to(like.scalar_type()).contiguous();
}

/// The generic path of an edit. `source` (n, L') long gives, for each output position,
/// the input position it reads, or -1 for a random nucleotide; `complement` (n, L') bool
/// says which positions read the complementary channel. Returns (n, A, L').
inline at::Tensor remap_rows(const at::Tensor& batch, const at::Tensor& source, const at::Tensor& complement,
                             at::Generator& generator) {
  const std::int64_t n = batch.size(0), alphabet = batch.size(1), out_length = source.size(1);
  const at::Tensor index = source.clamp_min(0).unsqueeze(1).expand({n, alphabet, out_length});
  at::Tensor moved = batch.gather(2, index);
  moved = at::where(complement.unsqueeze(1), moved.flip({1}), moved);
  const at::Tensor noise = random_dna(n, alphabet, out_length, batch, generator);
  return at::where(source.lt(0).unsqueeze(1), noise, moved);
}

/// Positions 0..length-1 as a (1, length) long tensor on `device`.
inline at::Tensor positions(std::int64_t length, const at::Device& device) {
  return at::arange(length, at::TensorOptions().dtype(at::kLong).device(device)).unsqueeze(0);
}

}  // namespace evoaug::sdk::kernels
