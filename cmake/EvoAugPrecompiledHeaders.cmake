# LibTorch headers cost about 40 s per translation unit. Two precompiled headers are
# built once and reused by every target of the same flavour:
#   evoaug_pch_plugin: LibTorch only (plugins, models: what the SDK allows)
#   evoaug_pch_core:   LibTorch, spdlog, TOML++ (core, host, tests)
# A reusing target must be compiled with the same flags and definitions, which is why
# plugin targets clear DEFINE_SYMBOL and everything shares the global PIC/visibility.
set(_evoaug_pch_source "${CMAKE_CURRENT_LIST_DIR}/pch_anchor.cpp")

add_library(evoaug_pch_plugin STATIC "${_evoaug_pch_source}")
target_link_libraries(evoaug_pch_plugin PUBLIC "${TORCH_LIBRARIES}")
target_precompile_headers(evoaug_pch_plugin PRIVATE <torch/torch.h>)

add_library(evoaug_pch_core STATIC "${_evoaug_pch_source}")
target_link_libraries(evoaug_pch_core PUBLIC "${TORCH_LIBRARIES}" spdlog::spdlog tomlplusplus::tomlplusplus)
target_precompile_headers(evoaug_pch_core PRIVATE <torch/torch.h> <spdlog/spdlog.h> <toml++/toml.h>)

# evoaug_use_pch(<target> plugin|core)
function(evoaug_use_pch target flavour)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    # CMake compiles position-independent executables with -fPIE, libraries with
    # -fPIC, and GCC refuses a precompiled header made with the other one. Objects
    # compiled with -fPIC link into a PIE just as well.
    set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE OFF)
    target_compile_options(${target} PRIVATE -fPIC)
  endif()
  if(NOT EVOAUG_NO_PCH)
    target_precompile_headers(${target} REUSE_FROM evoaug_pch_${flavour})
  endif()
endfunction()
