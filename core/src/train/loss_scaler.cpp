#include "train/loss_scaler.h"

#include <ATen/ATen.h>

namespace evoaug {

LossScaler::LossScaler(double initial_scale, std::int64_t growth_interval)
    : scale_(initial_scale), growth_interval_(growth_interval) {}

at::Tensor LossScaler::scale(const at::Tensor& loss) const { return loss * scale_; }

bool LossScaler::unscale(const std::vector<at::Tensor>& parameters) {
  at::Tensor all_finite;  // one host synchronisation for the whole model, not one per tensor
  for (const auto& p : parameters) {
    at::Tensor grad = p.grad();
    if (!grad.defined()) continue;
    grad.mul_(1.0 / scale_);
    const at::Tensor finite = grad.isfinite().all();
    all_finite = all_finite.defined() ? all_finite.logical_and(finite) : finite;
  }
  if (all_finite.defined() && !all_finite.item<bool>()) {
    scale_ /= 2.0;
    good_steps_ = 0;
    return false;
  }
  if (++good_steps_ >= growth_interval_) {
    scale_ *= 2.0;
    good_steps_ = 0;
  }
  return true;
}

}  // namespace evoaug
