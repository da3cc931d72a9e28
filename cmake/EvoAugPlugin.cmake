# evoaug_add_plugin(<name> SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
#
# Builds a loadable evoaug plugin: a MODULE library named exactly <name>.so (no "lib"
# prefix), linked against the SDK, with hidden symbols so that only the entry point
# emitted by EVOAUG_PLUGIN is visible. The ABI stamp is in the entry point itself.
# By convention <name> is evoaug_<kind>_<id>, e.g. evoaug_aug_deletion.
function(evoaug_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "evoaug_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  if(TARGET EvoAug::sdk)
    target_link_libraries(${name} PRIVATE EvoAug::sdk)
  else()
    target_link_libraries(${name} PRIVATE evoaug_sdk)
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_STANDARD 17
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    POSITION_INDEPENDENT_CODE ON
    DEFINE_SYMBOL "")
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}")
  endif()
endfunction()

# In-tree only: a built-in plugin goes to the build tree's plugin folder, is installed,
# and reuses the precompiled header. Unit tests next to it: evoaug_add_plugin_test.
function(evoaug_add_builtin_plugin name)
  evoaug_add_plugin(${name} ${ARGN} OUTPUT_DIRECTORY "${EVOAUG_PLUGIN_BUILD_DIR}")
  evoaug_use_pch(${name} plugin)
  install(TARGETS ${name} LIBRARY DESTINATION "${EVOAUG_PLUGIN_INSTALL_DIR}")
  set_property(GLOBAL APPEND PROPERTY EVOAUG_BUILTIN_PLUGINS ${name})
endfunction()
