// `evoaug bench` benchmarks, one file each. They print numbers measured as ratios in
// one run (the machines are noisy), never pass/fail.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

#include "commands.h"

namespace evoaug::cli {

int bench_augment(const HostContext& host, const Argv& argv);  // bench_augment.cpp
int bench_train(const HostContext& host, const Argv& argv);    // bench_train.cpp
int bench_compare(const HostContext& host, const Argv& argv);  // bench_compare.cpp
int bench_distributed(const HostContext& host, const Argv& argv);  // bench_distributed.cpp

/// Milliseconds since `start`.
inline double elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

/// The median of `values` (the upper middle one for an even count). Medians, not means:
/// a descheduled repetition on a noisy machine must not move the result.
inline double median(std::vector<double> values) {
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

}  // namespace evoaug::cli
