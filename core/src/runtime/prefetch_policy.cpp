#include "runtime/prefetch_policy.h"

#include <algorithm>

namespace evoaug {

PrefetchDecision prefetch_depth(int configured, c10::Device device, int step_threads, int processes, int cores) {
  if (configured <= 0 || !device.is_cpu()) return {std::max(configured, 0), false};
  const long busy = static_cast<long>(std::max(step_threads, 1)) * std::max(processes, 1);
  if (busy < std::max(cores, 1)) return {configured, false};
  return {0, true};
}

}  // namespace evoaug
