// The plugin entry point: one per shared library, emitted by EVOAUG_PLUGIN.
//
// A plugin is a shared library that exports the C symbol `evoaug_plugin_descriptor`,
// a function returning a pointer to a PluginDescriptor. The host reads the ABI and
// LibTorch versions from it before touching anything else, then calls `register_fn`
// with a Registrar to which the plugin adds its components.
//
// Compatibility policy (checked by the loader, which refuses with both versions named):
//  - abi_major must equal the host's: it is bumped whenever a type that crosses the
//    boundary (this header, augmentation.h, model.h, params.h) changes layout.
//  - abi_minor must not exceed the host's: minor bumps only add things a newer plugin
//    may use, so an older host cannot run it.
//  - LibTorch major.minor must equal the host's: tensors and modules cross the boundary.
//  - The C++ standard library and its string ABI must equal the host's: std::string,
//    std::function and std::vector cross the boundary (libstdc++'s old and cxx11 ABIs lay
//    std::string out differently). The compiler is recorded too and named in messages;
//    GCC and Clang share the Itanium C++ ABI on Linux, so it only warns.
// `abi_major` and `abi_minor` stay the first two fields of PluginDescriptor forever, so
// that any future host can read them from any past plugin.
#pragma once

#include <torch/version.h>

#include <cstdint>

#include "evoaug/sdk/augmentation.h"
#include "evoaug/sdk/model.h"

namespace evoaug::sdk {

constexpr std::uint32_t kAbiMajor = 2;  // 2: cxx_runtime and compiler in the descriptor
constexpr std::uint32_t kAbiMinor = 0;

/// Receives a plugin's components. Names must be unique among everything loaded.
class EVOAUG_SDK_VISIBLE Registrar {
 public:
  virtual ~Registrar() = default;
  virtual void add_augmentation(AugmentationInfo info) = 0;
  virtual void add_model(ModelInfo info) = 0;
};

/// What a plugin's entry point returns. Plain data, read before anything else.
struct PluginDescriptor {
  std::uint32_t abi_major;       ///< kAbiMajor the plugin was built with
  std::uint32_t abi_minor;       ///< kAbiMinor the plugin was built with
  const char* torch_version;     ///< TORCH_VERSION the plugin was built against
  const char* plugin_name;       ///< e.g. "deletion"
  const char* plugin_version;    ///< e.g. "1.0.0"
  void (*register_fn)(Registrar& registrar);  ///< adds the plugin's components
  const char* cxx_runtime;       ///< EVOAUG_CXX_RUNTIME: the C++ standard library and its ABI
  const char* compiler;          ///< EVOAUG_COMPILER: compiler family and version
};

}  // namespace evoaug::sdk

/// The C++ standard library a translation unit is compiled against, with its string ABI.
#if defined(_LIBCPP_VERSION)
#define EVOAUG_CXX_RUNTIME "libc++"
#elif defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define EVOAUG_CXX_RUNTIME "libstdc++, cxx11 ABI"
#else
#define EVOAUG_CXX_RUNTIME "libstdc++, pre-cxx11 ABI"
#endif
#define EVOAUG_STRINGIFY_(x) #x
#define EVOAUG_STRINGIFY(x) EVOAUG_STRINGIFY_(x)
/// The compiler family and version, e.g. "gcc 12.2.0" or "clang 14.0.6".
#if defined(__clang__)
#define EVOAUG_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define EVOAUG_COMPILER \
  "gcc " EVOAUG_STRINGIFY(__GNUC__) "." EVOAUG_STRINGIFY(__GNUC_MINOR__) "." EVOAUG_STRINGIFY(__GNUC_PATCHLEVEL__)
#else
#define EVOAUG_COMPILER "unknown"
#endif

/// Name of the exported entry point.
#define EVOAUG_PLUGIN_ENTRY_POINT "evoaug_plugin_descriptor"

/// Emits the entry point of a plugin library. Use it once per library, at namespace
/// scope, after defining the registration function:
/// @code
///   #include <evoaug/sdk/plugin.h>
///   namespace {
///   void register_components(evoaug::sdk::Registrar& r) {
///     r.add_augmentation({"window_mask", "1.0.0", 65, "mask a random window to 0.25",
///                         evoaug::sdk::Schema().integer("window", 10, "width (nt)", 1),
///                         [](const evoaug::sdk::Params& p, const evoaug::sdk::SequenceShape& s) {
///                           return std::make_unique<WindowMask>(p, s);
///                         }});
///   }
///   }  // namespace
///   EVOAUG_PLUGIN("window_mask", "1.0.0", register_components)
/// @endcode
#define EVOAUG_PLUGIN(NAME, VERSION, REGISTER_FN)                                         \
  extern "C" __attribute__((visibility("default")))                                      \
  const ::evoaug::sdk::PluginDescriptor* evoaug_plugin_descriptor() {                     \
    static const ::evoaug::sdk::PluginDescriptor descriptor{                              \
        ::evoaug::sdk::kAbiMajor, ::evoaug::sdk::kAbiMinor, TORCH_VERSION, NAME, VERSION, \
        &REGISTER_FN, EVOAUG_CXX_RUNTIME, EVOAUG_COMPILER};                               \
    return &descriptor;                                                                   \
  }
