// Data-parallel gradients: every rank trains on its shard of the global batch, and the
// gradients are averaged across ranks while backward still runs. Each rank's loss is
// weighted by its share of the global batch (loss_scale()); each parameter's hook copies
// its gradient, divided by the number of ranks, into a flat bucket; a full bucket starts its all-reduce at once (buckets start in one fixed order
// on every rank, as collectives must). After backward, finish_step() waits and writes the
// sums into the parameters' .grad: the gradient of the mean loss over the global batch,
// whatever the shards' sizes.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace evoaug {

class Communicator;

class GradientReducer {
 public:
  /// Hooks `parameters` (those the optimizer steps). Buckets hold at most `bucket_bytes`
  /// of gradients each, filled from the last parameter backwards (backward's order).
  GradientReducer(std::vector<at::Tensor> parameters, Communicator& communicator,
                  std::int64_t bucket_bytes = std::int64_t{1} << 20);
  ~GradientReducer();  ///< removes the hooks
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  /// Every rank, before its backward: `local_mean_loss` over its `rows`. Returns the mean
  /// loss over the global batch (the same on every rank). When that is not finite, the
  /// step is off on every rank (no backward, no finish_step()).
  double start_step(double local_mean_loss, std::int64_t rows);
  /// What this rank multiplies its mean loss by before backward: ranks x its share of the
  /// global batch. The all-reduce then averages, and the average is the gradient of the
  /// global batch's mean loss, also through batch statistics shared across ranks.
  double loss_scale() const;
  /// Every rank, after its backward: waits for the sums and writes them to .grad.
  void finish_step();

  std::int64_t buckets() const;
  /// Seconds finish_step() has spent waiting for all-reduces that backward did not hide.
  double wait_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evoaug
