// The LibTorch calls that differ between the versions evoaug builds with: 1.13 (Debian
// bookworm) and 2.x (2.6 on Debian trixie; scripts/test-libtorch2.sh). Code elsewhere
// calls these, never the differing API itself, so a new difference is handled here once.
#pragma once

#include <torch/version.h>

// c10::Allocator::allocate() lost its const in LibTorch 2.3, which also added a pure
// virtual copy_data().
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define EVOAUG_CPU_ALLOCATE_SIGNATURE c10::DataPtr allocate(std::size_t n) override
#define EVOAUG_CPU_ALLOCATOR_COPY_DATA \
  void copy_data(void* dest, const void* src, std::size_t count) const override { default_copy_data(dest, src, count); }
#else
#define EVOAUG_CPU_ALLOCATE_SIGNATURE c10::DataPtr allocate(std::size_t n) const override
#define EVOAUG_CPU_ALLOCATOR_COPY_DATA
#endif

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <c10/core/Device.h>
#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

namespace evoaug::compat {

// Autocast switched from per-device functions (set_cpu_enabled, set_enabled for CUDA)
// to functions taking the device type in LibTorch 2.4, which deprecates the old ones.
inline void set_autocast_enabled(c10::DeviceType device, bool enabled) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_enabled(device, enabled);
#else
  if (device == c10::DeviceType::CPU) at::autocast::set_cpu_enabled(enabled);
  else at::autocast::set_enabled(enabled);
#endif
}

inline void set_autocast_dtype(c10::DeviceType device, c10::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == c10::DeviceType::CPU) at::autocast::set_autocast_cpu_dtype(dtype);
  else at::autocast::set_autocast_gpu_dtype(dtype);
#endif
}

inline bool autocast_enabled(c10::DeviceType device) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  return at::autocast::is_autocast_enabled(device);
#else
  return device == c10::DeviceType::CPU ? at::autocast::is_cpu_enabled() : at::autocast::is_enabled();
#endif
}

/// The default random number generator of CUDA device `index`.
/// LibTorch 1.13 has it as CUDAHooksInterface::getDefaultCUDAGenerator; 2.x renamed that
/// getDefaultGenerator (declared by the new AcceleratorHooksInterface). Context's
/// defaultGenerator(Device), in both, calls whichever the version has, and initializes
/// CUDA lazily first. Throws where LibTorch was built without CUDA.
inline const at::Generator& default_cuda_generator(c10::DeviceIndex index) {
  return at::globalContext().defaultGenerator(c10::Device(c10::DeviceType::CUDA, index));
}

}  // namespace evoaug::compat
