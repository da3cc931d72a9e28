// Dropout whose mask comes from a counter-based generator, vectorised and parallel.
//
// Why: LibTorch's CPU dropout draws its mask with bernoulli_(p), which in a build without
// MKL (Debian's) is a serial per-element loop: 6.6 of the ChIP-seq CNN's 36 ms training
// step (bench train --profile), and it does not get faster with threads. Here each
// element's draw is a hash of (key, element index), 32-bit arithmetic that the compiler
// vectorises, split across LibTorch's threads, and the mask is the same for any thread
// count. The key is one 64-bit number from LibTorch's default CPU generator, so a seeded
// run stays reproducible and a checkpoint's generator state resumes it exactly.
//
// Same distribution as torch::dropout: each element is kept with probability 1 - p and
// scaled by 1 / (1 - p); autograd differentiates the product with the mask. Float32
// tensors on the CPU in training mode; anything else goes to torch::dropout.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/dropout.h>
#include <ATen/ops/empty.h>

#include <cstdint>
#include <mutex>

namespace evoaug::sdk::fast {

namespace detail {

// murmur3's 32-bit finaliser: a bijection that mixes every input bit into every output bit.
inline std::uint32_t fmix32(std::uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// Fills mask[begin, end) with 0 or `scale`: element i is kept when its draw is at least
// `threshold` (= p * 2^32). Two rounds keyed by the two halves of the key.
inline void fill_mask(float* mask, std::int64_t begin, std::int64_t end, std::uint64_t key, std::uint32_t threshold,
                      float scale) {
  const auto k0 = static_cast<std::uint32_t>(key), k1 = static_cast<std::uint32_t>(key >> 32);
  for (std::int64_t i = begin; i < end; ++i) {
    const std::uint32_t draw = fmix32(fmix32(static_cast<std::uint32_t>(i) * 0x9e3779b9u ^ k0) ^ k1);
    mask[i] = draw >= threshold ? scale : 0.0f;
  }
}

inline std::uint64_t next_key() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return at::check_generator<at::CPUGeneratorImpl>(generator)->random64();
}

}  // namespace detail

/// Whether dropout() below takes the fast path for `x` (else it calls torch::dropout).
inline bool can_drop_fast(const at::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == at::kFloat && x.numel() < (std::int64_t{1} << 32);
}

/// torch::dropout(x, p, training), with the mask drawn as described above.
inline at::Tensor dropout(const at::Tensor& x, double p, bool training) {
  if (!training || p <= 0.0) return x;
  if (p >= 1.0 || !can_drop_fast(x)) return at::dropout(x, p, training);
  at::Tensor mask = at::empty(x.sizes(), x.options().requires_grad(false));
  float* data = mask.data_ptr<float>();
  const std::uint64_t key = detail::next_key();
  const auto threshold = static_cast<std::uint32_t>(p * 4294967296.0);
  const auto scale = static_cast<float>(1.0 / (1.0 - p));
  at::parallel_for(0, mask.numel(), 16384, [&](std::int64_t begin, std::int64_t end) {
    detail::fill_mask(data, begin, end, key, threshold, scale);
  });
  return x * mask;
}

}  // namespace evoaug::sdk::fast
