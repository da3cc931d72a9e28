// `evoaug bench train --profile`: LibTorch's own profiler around a few training steps,
// summarised as the operators that took the most time (self time: excluding the
// operators they called), like torch.profiler's key_averages() table.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace evoaug::cli {

struct ProfileEntry {
  std::string name;
  double self_ms = 0;   ///< in the operator itself, summed over calls
  double total_ms = 0;  ///< including what it called
  std::int64_t calls = 0;
};

/// Runs `body` under the profiler (CPU events, every thread) and returns the operators
/// by self time, largest first.
std::vector<ProfileEntry> profile_operators(const std::function<void()>& body);

}  // namespace evoaug::cli
