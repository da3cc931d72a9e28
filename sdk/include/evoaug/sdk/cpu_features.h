// What the CPU can run, asked once: the SDK's vectorised kernels (kernels.h, the fused
// batch norm's AVX2 loops) and the core's fused Adam choose their code path with these.
// On other compilers or architectures the portable paths are the only ones.
#pragma once

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define EVOAUG_SDK_X86 1

namespace evoaug::sdk {

inline bool has_avx2_fma() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
}

inline bool has_avx512() {
  static const bool yes = has_avx2_fma() && __builtin_cpu_supports("avx512f");
  return yes;
}

}  // namespace evoaug::sdk

#endif
