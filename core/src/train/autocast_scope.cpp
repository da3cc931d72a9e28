#include "train/autocast_scope.h"

#include <ATen/autocast_mode.h>
#include <spdlog/spdlog.h>

#include "util/torch_compat.h"

namespace evoaug {

AutocastScope::AutocastScope(c10::Device device, c10::ScalarType dtype) : device_(device.type()) {
  if (dtype == c10::kFloat) return;
  active_ = true;
  compat::set_autocast_dtype(device_, dtype);
  compat::set_autocast_enabled(device_, true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  try {
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  // Only switched off: LibTorch 1.x refuses float32 as the CPU's autocast type, and the
  // next scope sets the type it needs anyway.
    compat::set_autocast_enabled(device_, false);
  } catch (const std::exception& e) {  // a destructor must not throw: it would end the process
    spdlog::error("could not switch autocast off: {}", e.what());
  }
}

}  // namespace evoaug
