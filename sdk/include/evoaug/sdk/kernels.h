// Batched kernels shared by augmentations: a fast seeded random number generator, a
// Gaussian sampler, random one-hot DNA, and the "row assembly" that most sequence edits
// reduce to (copy pieces of the input, reverse-complement some, fill others with random
// DNA). Header-only; depends on LibTorch and the standard library only, so third-party
// plugins may use it too.
//
// Two paths, by design:
//  - the CPU fast path (float32 on the CPU): one 64-bit seed is drawn from the batch's
//    generator per call, and every row then draws from its own small generator seeded
//    from (seed, row). Rows are independent, so the result does not depend on the number
//    of threads, and the same generator state gives the same output.
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

inline float bits_to_float(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
inline std::uint32_t float_to_bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

/// out[2i], out[2i+1] = in + mean + sd * (two standard normals from bits[2i], bits[2i+1]),
/// by Box-Muller. Written without branches or libm calls (whose errno handling stops
/// vectorisation) so that the compiler vectorises the loop: ln by exponent extraction
/// and an atanh series (error < 1e-9), sqrt by three Newton steps on 1/sqrt, sin and cos
/// of the half angle by Taylor series (error < 1e-7) and the double-angle formulas.
/// The radius comes from a 31-bit uniform in (0, 1], so |z| <= 6.56 (the normal's mass
/// beyond that is 5e-11).
template <int Variant>
inline void box_muller_add(const std::uint32_t* bits, const float* in, float* out, std::int64_t pairs, float mean,
                           float sd) {
  for (std::int64_t i = 0; i < pairs; ++i) {
    const float u1 = (static_cast<float>(static_cast<std::int32_t>(bits[2 * i] >> 1)) + 1.0f) * 4.656612873077393e-10f;
    // ln(u1): u1 = m * 2^e with m in [sqrt(1/2), sqrt(2)).
    const std::uint32_t b = float_to_bits(u1);
    const auto above = static_cast<std::int32_t>((b & 0x7fffffu) > 0x3504f3u);
    const float m = bits_to_float(((b & 0x7fffffu) | 0x3f800000u) - (static_cast<std::uint32_t>(above) << 23));
    const float e = static_cast<float>(static_cast<std::int32_t>((b >> 23) & 255u) - 127 + above);
    const float t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    const float ln = 2.0f * t * (1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9))))) +
                     e * 0.6931471805599453f;
    const float y = -2.0f * ln;
    float q = bits_to_float(0x5f375a86u - (float_to_bits(y) >> 1));  // ~1/sqrt(y), then Newton
    q = q * (1.5f - 0.5f * y * q * q);
    q = q * (1.5f - 0.5f * y * q * q);
    q = q * (1.5f - 0.5f * y * q * q);
    const float r = y * q;
    // Half of the angle 2*pi*u2, in [-pi/2, pi/2).
    const float h =
        (static_cast<float>(static_cast<std::int32_t>(bits[2 * i + 1] >> 1)) * 4.656612873077393e-10f - 0.5f) *
        3.14159265358979f;
    const float h2 = h * h;
    const float s =
        h * (1.0f + h2 * (-1.0f / 6 + h2 * (1.0f / 120 + h2 * (-1.0f / 5040 + h2 * (1.0f / 362880 +
                                                                                     h2 * (-1.0f / 39916800))))));
    const float c =
        1.0f + h2 * (-0.5f + h2 * (1.0f / 24 + h2 * (-1.0f / 720 + h2 * (1.0f / 40320 +
                                                                          h2 * (-1.0f / 3628800 +
                                                                                h2 * (1.0f / 479001600))))));
    out[2 * i] = in[2 * i] + mean + sd * (r * (2.0f * s * c));
    out[2 * i + 1] = in[2 * i + 1] + mean + sd * (r * (c * c - s * s));
  }
}

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
__attribute__((target("avx2,fma"))) inline void box_muller_add_avx2(const std::uint32_t* bits, const float* in,
                                                                     float* out, std::int64_t pairs, float mean,
                                                                     float sd) {
  box_muller_add<1>(bits, in, out, pairs, mean, sd);
}
inline bool has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}
#endif

}  // namespace detail

/// out[i] = in[i] + mean + sd * z_i for `count` floats, with z_i i.i.d. standard normal
/// drawn from `rng` (Box-Muller, vectorised; AVX2 when the CPU has it). `in` may equal
/// `out`.
inline void add_gaussian(const float* in, float* out, std::int64_t count, float mean, float sd, Rng& rng) {
  constexpr std::int64_t kChunk = 256;  // pairs per batch of random bits
  std::uint32_t bits[2 * kChunk];
  for (std::int64_t done = 0; done < count;) {
    const std::int64_t pairs = std::min<std::int64_t>(kChunk, (count - done) / 2);
    if (pairs == 0) {  // one odd element left: use a pair through a scratch copy
      std::uint64_t r = rng.next();
      bits[0] = static_cast<std::uint32_t>(r);
      bits[1] = static_cast<std::uint32_t>(r >> 32);
      float scratch_in[2] = {in[done], 0.0f}, scratch_out[2];
      detail::box_muller_add<0>(bits, scratch_in, scratch_out, 1, mean, sd);
      out[done] = scratch_out[0];
      break;
    }
    for (std::int64_t i = 0; i < pairs; ++i) {
      const std::uint64_t r = rng.next();
      bits[2 * i] = static_cast<std::uint32_t>(r);
      bits[2 * i + 1] = static_cast<std::uint32_t>(r >> 32);
    }
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    if (detail::has_avx2_fma()) {
      detail::box_muller_add_avx2(bits, in + done, out + done, pairs, mean, sd);
    } else {
      detail::box_muller_add<0>(bits, in + done, out + done, pairs, mean, sd);
    }
#else
    detail::box_muller_add<0>(bits, in + done, out + done, pairs, mean, sd);
#endif
    done += 2 * pairs;
  }
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

/// Builds one output row from pieces of one input row. `in` holds `alphabet` channels
/// of `in_length` floats, `out` `alphabet` channels of `out_length` floats; the pieces'
/// lengths must add up to `out_length` (not checked here: callers compute them).
inline void assemble_row(const float* in, std::int64_t in_length, float* out, std::int64_t out_length,
                         std::int64_t alphabet, const Piece* pieces, std::size_t piece_count, Rng& rng) {
  std::int64_t at = 0;
  for (std::size_t p = 0; p < piece_count; ++p) {
    const Piece& piece = pieces[p];
    if (piece.length <= 0) continue;
    switch (piece.kind) {
      case Piece::copy:
        for (std::int64_t c = 0; c < alphabet; ++c)
          std::memcpy(out + c * out_length + at, in + c * in_length + piece.source, sizeof(float) * piece.length);
        break;
      case Piece::reverse_complement:
        for (std::int64_t c = 0; c < alphabet; ++c) {
          const float* src = in + (alphabet - 1 - c) * in_length + piece.source + piece.length - 1;
          float* dst = out + c * out_length + at;
          for (std::int64_t j = 0; j < piece.length; ++j) dst[j] = src[-j];
        }
        break;
      case Piece::random_dna:
        write_random_dna(out, out_length, alphabet, at, piece.length, rng);
        break;
    }
    at += piece.length;
  }
}

/// The CPU fast path of an edit: for each row r of the contiguous float32 `batch`
/// (N, A, L), `plan(r, rng, pieces)` fills up to `max_pieces` pieces describing output
/// row r (and returns how many); the result has `out_length` positions. `seed` comes
/// from draw_seed().
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
