// How many training batches `evoaug run` prepares ahead on the prefetch worker thread.
//
// The worker overlaps batch preparation with the step only if it has a core to run on.
// On the CPU, when the step's threads (of every training process on this machine) take
// every core, the worker can only run by preempting one of them, and the step's next
// OpenMP barrier waits for it: measured on 2 cores at 2 threads, the epoch was 10-20 %
// slower with the worker than with each batch prepared in turn (docs/performance.md).
// There, batches are prepared in turn; the results are the same either way.
#pragma once

#include <c10/core/Device.h>

namespace evoaug {

struct PrefetchDecision {
  int depth;         ///< batches prepared ahead; 0: each in turn, on the training thread
  bool overridden;   ///< the configured depth was set to 0 for want of a free core
};

/// `configured`: [runtime] prefetch. `step_threads`: LibTorch's intra-op threads of one
/// process; `processes`: training processes on this machine; `cores`: the machine's.
PrefetchDecision prefetch_depth(int configured, c10::Device device, int step_threads, int processes, int cores);

}  // namespace evoaug
