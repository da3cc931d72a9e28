// The caching CPU allocator: large blocks come back to the next request of their size
// class, small ones go to the system, idle blocks can be released, and tensors freed on
// another thread return to the same cache.
#include "catch.h"
#include <torch/torch.h>

#include <thread>

#include "evoaug/cpu_memory.h"

TEST_CASE("The caching CPU allocator reuses large blocks and releases them on request", "[memory]") {
  evoaug::use_caching_cpu_allocator();
  evoaug::release_cpu_cache();
  const auto start = evoaug::cpu_cache_stats();
  REQUIRE(start.installed);
  CHECK(start.cached_bytes == 0);

  void* first = nullptr;
  {
    const auto big = torch::empty({1 << 20}, torch::kFloat);  // 4 MiB
    first = big.data_ptr();
  }
  const auto after_free = evoaug::cpu_cache_stats();
  CHECK(after_free.cached_bytes >= (std::size_t{4} << 20));
  {
    const auto again = torch::empty({(1 << 20) - 100}, torch::kFloat);  // same size class
    CHECK(again.data_ptr() == first);
    CHECK(evoaug::cpu_cache_stats().hits == after_free.hits + 1);
    CHECK(reinterpret_cast<std::uintptr_t>(again.data_ptr()) % 64 == 0);  // LibTorch's alignment
    const auto other = torch::empty({1 << 20}, torch::kFloat);  // the cached block is taken: a new one
    CHECK(other.data_ptr() != first);
  }

  const auto before_small = evoaug::cpu_cache_stats();
  { const auto small = torch::ones({100}); }
  CHECK(evoaug::cpu_cache_stats().cached_bytes == before_small.cached_bytes);  // small blocks are not cached

  at::Tensor moved = torch::empty({1 << 19}, torch::kFloat);
  void* moved_ptr = moved.data_ptr();
  std::thread([t = std::move(moved)]() mutable { t.reset(); }).join();  // freed on another thread
  CHECK(torch::empty({1 << 19}, torch::kFloat).data_ptr() == moved_ptr);

  evoaug::release_cpu_cache();
  CHECK(evoaug::cpu_cache_stats().cached_bytes == 0);
  const auto values = torch::arange(1000000, torch::kFloat);  // still a working allocator
  CHECK(values.sum().item<double>() == Approx(499999500000.0));
}
