# Installation: what `cmake --install` puts in a prefix.
#
#   bin/evoaug                               the host (installed by hosts/evoaug)
#   lib/evoaug/plugins/*.so                  the built-in plugins (evoaug_add_builtin_plugin)
#   lib/libevoaug_<layer>.a                  the core's layers (EvoAug::core links them all)
#   include/evoaug/*.h, include/evoaug/sdk/  the public core headers and the SDK
#   lib/cmake/EvoAug/                        the CMake package: find_package(EvoAug) gives
#                                            EvoAug::core, EvoAug::sdk and evoaug_add_plugin()
include(CMakePackageConfigHelpers)

set(EVOAUG_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/EvoAug")

# Public core headers. Internal headers (core/src/...) are never installed, so a public
# header must not include one: tests/install/install_roundtrip.sh compiles every
# installed header against the installed package alone to prove it.
install(DIRECTORY core/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

get_property(_evoaug_core_layers GLOBAL PROPERTY EVOAUG_CORE_LAYERS)
install(TARGETS evoaug_sdk evoaug_core ${_evoaug_core_layers}
  EXPORT EvoAugTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT EvoAugTargets NAMESPACE EvoAug:: DESTINATION "${EVOAUG_CMAKE_INSTALL_DIR}")

configure_package_config_file(cmake/EvoAugConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/EvoAugConfig.cmake"
  INSTALL_DESTINATION "${EVOAUG_CMAKE_INSTALL_DIR}"
  PATH_VARS EVOAUG_PLUGIN_INSTALL_DIR CMAKE_INSTALL_BINDIR CMAKE_INSTALL_INCLUDEDIR)
# 0.x: a minor version may change the ABI, so only the same major.minor is compatible
# (the loader enforces the plugin ABI itself; this keeps find_package honest too).
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/EvoAugConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/EvoAugConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/EvoAugConfigVersion.cmake"
  cmake/EvoAugPlugin.cmake
  DESTINATION "${EVOAUG_CMAKE_INSTALL_DIR}")

# The Python reference that `evoaug bench compare` drives.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/bench/python/" DESTINATION "${CMAKE_INSTALL_DATADIR}/evoaug/bench/python"
        FILES_MATCHING PATTERN "*.py" PATTERN "*.md")
