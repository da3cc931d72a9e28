// Dynamic loss scaling for float16 training (what torch.cuda.amp.GradScaler does): the
// loss is multiplied by a large factor before backward so that small float16 gradients
// do not flush to zero; the gradients are divided by it before the optimizer step. A
// step whose gradients overflowed is skipped and the factor halved; after `growth_interval`
// good steps in a row it doubles.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace evoaug {

class LossScaler {
 public:
  explicit LossScaler(double initial_scale = 65536.0, std::int64_t growth_interval = 2000);

  at::Tensor scale(const at::Tensor& loss) const;
  /// Divides the gradients by the scale; returns false (and shrinks the scale) when any
  /// of them is infinite or NaN: the caller then skips the optimizer step.
  bool unscale(const std::vector<at::Tensor>& parameters);
  double current_scale() const { return scale_; }

 private:
  double scale_;
  std::int64_t growth_interval_;
  std::int64_t good_steps_ = 0;
};

}  // namespace evoaug
