// LibTorch's Adam with its update done in one pass over each parameter.
//
// Why: torch::optim::Adam updates a parameter with about ten separate operators
// (mul_, add_, addcmul_, sqrt, div, add_, addcdiv_ and the scalar conversions between
// them), each a pass over the parameter and a dispatch. On the CPU, for the paper's
// models, that was about 10 % of a DeepSTARR training step (docs/performance.md), for
// arithmetic worth a fraction of a millisecond.
//
// FusedAdam *is* a torch::optim::Adam: same options, same per-parameter state
// (AdamParamState: step, exp_avg, exp_avg_sq), same serialization, so checkpoints move
// freely between the two. Only step() differs: for a float32, contiguous, dense CPU
// parameter it computes Adam's update (L2 weight decay included) element by element in
// one loop, split across LibTorch's threads. Everything else (CUDA parameters, other
// dtypes, AMSGrad) takes LibTorch's own code. The results equal LibTorch's up to float
// rounding (a fused multiply-add where it rounds twice); the update of one element
// never depends on another, so they do not depend on the number of threads.
#pragma once

#include <torch/optim/adam.h>

namespace evoaug {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

namespace detail {

/// One Adam update of n elements, in place (exposed for its tests).
/// m = beta1 m + (1 - beta1) g'; v = beta2 v + (1 - beta2) g'^2, where g' = g + decay p;
/// p -= step_size * m / (sqrt(v) / sqrt_bias_correction2 + eps).
struct AdamCoefficients {
  float beta1, beta2, weight_decay, eps, inv_sqrt_bias_correction2, step_size;
};
void adam_update(float* p, float* m, float* v, const float* g, std::int64_t n, const AdamCoefficients& c);

}  // namespace detail
}  // namespace evoaug
