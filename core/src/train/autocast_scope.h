// Mixed precision for the forward pass: LibTorch's autocast, on for the scope of one
// forward pass on the thread that runs it (autocast state is thread-local), and off
// again afterwards, with its cast cache cleared as torch.autocast does on exit.
#pragma once

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

namespace evoaug {

class AutocastScope {
 public:
  /// Does nothing when `dtype` is float32.
  AutocastScope(c10::Device device, c10::ScalarType dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType device_;
};

}  // namespace evoaug
