#include "train/autocast_scope.h"

#include <ATen/autocast_mode.h>

#include "util/torch_compat.h"

namespace evoaug {

AutocastScope::AutocastScope(c10::Device device, c10::ScalarType dtype) : device_(device.type()) {
  if (dtype == c10::kFloat) return;
  active_ = true;
  compat::set_autocast(device_, true, dtype);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  compat::set_autocast(device_, false, c10::kFloat);
}

}  // namespace evoaug
