// The caching CPU allocator of evoaug/cpu_memory.h.
//
// Each large block is rounded up to a size class (eighth-of-a-power-of-two steps, so at
// most 12.5 % is wasted); a map from block to class tells the deleter where to return it.
// (LibTorch's raw_allocate(), which oneDNN uses, needs the data pointer to be the
// deleter's context, so the class cannot live in a header before the data.) Freed blocks
// wait in a per-class list; allocation takes one from the list of its class or asks the
// system. A mutex guards both: tensors are freed on whichever thread drops them. Small
// blocks go to LibTorch's default allocator untouched.
#include "evoaug/cpu_memory.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "util/torch_compat.h"

namespace evoaug {
namespace {

std::size_t size_class(std::size_t bytes) {
  // Round up to m * 2^k with m in 8..15: eighth-of-a-power-of-two steps.
  std::size_t shift = 0;
  while ((bytes >> shift) > 15) ++shift;
  std::size_t mantissa = (bytes + (std::size_t{1} << shift) - 1) >> shift;
  if (mantissa > 15) {
    mantissa = 8;
    ++shift;
  }
  return mantissa << shift;
}

std::size_t default_max_cached_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  const std::size_t memory = pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page)
                                                   : std::size_t{8} << 30;
  return std::min<std::size_t>(memory / 4, std::size_t{16} << 30);
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  explicit CachingCpuAllocator(const CpuCacheOptions& options) : options_(options) {
    if (options_.max_cached_bytes == 0) options_.max_cached_bytes = default_max_cached_bytes();
  }

  EVOAUG_CPU_ALLOCATE_SIGNATURE {
    if (n < options_.min_block_bytes) return c10::GetDefaultCPUAllocator()->allocate(n);
    const std::size_t bytes = size_class(n);
    void* block = take(bytes);
    if (!block) {
      block = c10::alloc_cpu(bytes);  // throws c10::Error when out of memory
      std::lock_guard<std::mutex> lock(mutex_);
      block_bytes_[block] = bytes;
    }
    return {block, block, &free_block, c10::Device(c10::DeviceType::CPU)};
  }
  EVOAUG_CPU_ALLOCATOR_COPY_DATA

  // Also frees what raw_allocate() gave out, small blocks included (they are not in the
  // map: the default allocator's, freed as it frees them).
  c10::DeleterFnPtr raw_deleter() const override { return &free_block; }

  void give_back(void* block) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto it = block_bytes_.find(block);
      if (it != block_bytes_.end()) {
        const std::size_t bytes = it->second;
        if (cached_bytes_ + bytes <= options_.max_cached_bytes) {
          free_lists_[bytes].push_back(block);
          cached_bytes_ += bytes;
          return;
        }
        block_bytes_.erase(it);
      }
    }
    c10::free_cpu(block);
  }

  void release() {
    std::unordered_map<std::size_t, std::vector<void*>> lists;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      lists.swap(free_lists_);
      cached_bytes_ = 0;
      for (auto& [bytes, blocks] : lists)
        for (void* block : blocks) block_bytes_.erase(block);
    }
    for (auto& [bytes, blocks] : lists)
      for (void* block : blocks) c10::free_cpu(block);
  }

  CpuCacheStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {true, hits_, misses_, cached_bytes_, options_.max_cached_bytes};
  }

 private:
  static void free_block(void* block);

  void* take(std::size_t bytes) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_lists_.find(bytes);
    if (it == free_lists_.end() || it->second.empty()) {
      ++misses_;
      return nullptr;
    }
    void* block = it->second.back();
    it->second.pop_back();
    cached_bytes_ -= bytes;
    ++hits_;
    return block;
  }

  CpuCacheOptions options_;
  // Mutable: LibTorch 1.x declares allocate() const.
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::size_t, std::vector<void*>> free_lists_;
  mutable std::unordered_map<void*, std::size_t> block_bytes_;  ///< every large block this allocator made
  mutable std::size_t cached_bytes_ = 0;
  mutable std::uint64_t hits_ = 0, misses_ = 0;
};

std::mutex install_mutex;
// Never destroyed: tensors may be freed during static destruction, after main().
CachingCpuAllocator* installed = nullptr;

void CachingCpuAllocator::free_block(void* block) {
  if (block) installed->give_back(block);
}

}  // namespace

void use_caching_cpu_allocator(const CpuCacheOptions& options) {
  std::lock_guard<std::mutex> lock(install_mutex);
  if (installed) return;
  installed = new CachingCpuAllocator(options);
  // Priority 1 outranks LibTorch's default allocator (0).
  c10::SetCPUAllocator(installed, /*priority=*/1);
}

void release_cpu_cache() {
  std::lock_guard<std::mutex> lock(install_mutex);
  if (installed) installed->release();
}

CpuCacheStats cpu_cache_stats() {
  std::lock_guard<std::mutex> lock(install_mutex);
  return installed ? installed->stats() : CpuCacheStats{};
}

}  // namespace evoaug
