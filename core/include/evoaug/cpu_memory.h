// CPU memory for training: a caching allocator behind LibTorch's CPU tensors.
//
// Why: a training step allocates and frees the same large activation and gradient
// buffers every step (tens of MB each for DeepSTARR and Basset). glibc hands blocks of
// that size straight back to the kernel, so every step maps fresh pages and takes one
// page fault per 4 KiB of them: about 90,000 faults a step for DeepSTARR, over half of
// its time on a virtual machine (docs/performance.md). The cache keeps freed blocks and
// gives them back to the next request of the same size class, so a steady training loop
// touches only memory it already owns.
//
// It is process-wide, as LibTorch's CPU allocator is: Runtime installs it unless
// Runtime::Options::cache_cpu_memory is false; an application may also call
// use_caching_cpu_allocator() itself. Tensors allocated before keep their own deleter.
#pragma once

#include <cstddef>
#include <cstdint>

namespace evoaug {

struct CpuCacheOptions {
  /// Blocks smaller than this go to the system allocator unchanged (it reuses small
  /// blocks well; only large ones are returned to the kernel).
  std::size_t min_block_bytes = 64 * 1024;
  /// Idle cached bytes above this are freed instead of cached. 0: a quarter of the
  /// machine's memory, at most 16 GiB.
  std::size_t max_cached_bytes = 0;
};

struct CpuCacheStats {
  bool installed = false;
  std::uint64_t hits = 0;       ///< large requests served from the cache
  std::uint64_t misses = 0;     ///< large requests that went to the system
  std::size_t cached_bytes = 0;  ///< idle bytes held for reuse now
  std::size_t max_cached_bytes = 0;
};

/// Makes the caching allocator LibTorch's CPU allocator. Idempotent: the first call's
/// options stay. Thread-safe.
void use_caching_cpu_allocator(const CpuCacheOptions& options = {});

/// Frees every idle cached block (e.g. between training stages, or before a large
/// allocation outside LibTorch). Blocks in use are not affected.
void release_cpu_cache();

CpuCacheStats cpu_cache_stats();

}  // namespace evoaug
