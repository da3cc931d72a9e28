// The prefetch worker runs only where it has a core of its own (prefetch_policy.h).
#include "catch.h"

#include "runtime/prefetch_policy.h"

using evoaug::prefetch_depth;

TEST_CASE("the prefetch worker runs on the CPU only where the step leaves a core free", "[runtime][prefetch]") {
  const c10::Device cpu(c10::kCPU);
  CHECK(prefetch_depth(2, cpu, 1, 1, 2).depth == 2);  // one step thread on two cores
  CHECK_FALSE(prefetch_depth(2, cpu, 1, 1, 2).overridden);
  CHECK(prefetch_depth(2, cpu, 2, 1, 2).depth == 0);  // the step takes both cores
  CHECK(prefetch_depth(2, cpu, 2, 1, 2).overridden);
  CHECK(prefetch_depth(16, cpu, 3, 1, 8).depth == 16);
  CHECK(prefetch_depth(2, cpu, 4, 2, 8).depth == 0);  // two processes of four threads on eight cores
  CHECK(prefetch_depth(2, cpu, 3, 2, 8).depth == 2);
  CHECK(prefetch_depth(2, cpu, 16, 1, 8).depth == 0);  // more threads than cores
  // Asked for none: none, and not an override.
  CHECK(prefetch_depth(0, cpu, 1, 1, 8).depth == 0);
  CHECK_FALSE(prefetch_depth(0, cpu, 8, 1, 8).overridden);
}

TEST_CASE("on CUDA the prefetch worker always runs: the step's work is on the device", "[runtime][prefetch]") {
  const c10::Device cuda(c10::kCUDA, 0);
  CHECK(prefetch_depth(2, cuda, 8, 1, 8).depth == 2);
  CHECK_FALSE(prefetch_depth(2, cuda, 8, 1, 8).overridden);
}
