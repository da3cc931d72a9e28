// The LibTorch calls that differ between the versions evoaug builds with: 1.13 (Debian
// bookworm) and 2.x (2.6 on Debian trixie; scripts/test-libtorch2.sh). Code elsewhere
// calls these, never the differing API itself, so a new difference is handled here once.
#pragma once

#include <ATen/Context.h>
#include <c10/core/Device.h>

namespace evoaug::torch_compat {

/// The default random number generator of CUDA device `index`.
/// LibTorch 1.13 has it as CUDAHooksInterface::getDefaultCUDAGenerator; 2.x renamed that
/// getDefaultGenerator (declared by the new AcceleratorHooksInterface). Context's
/// defaultGenerator(Device), in both, calls whichever the version has, and initializes
/// CUDA lazily first. Throws where LibTorch was built without CUDA.
inline const at::Generator& default_cuda_generator(c10::DeviceIndex index) {
  return at::globalContext().defaultGenerator(c10::Device(c10::DeviceType::CUDA, index));
}

}  // namespace evoaug::torch_compat
