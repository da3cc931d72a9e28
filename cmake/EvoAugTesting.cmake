# evoaug_add_tests(SUITE <suite> SOURCES <files>... [LIBS <libs>...])
#
# Tests live next to what they test (a plugin's test in its folder); a suite gathers
# them into one Catch2 executable, evoaug_test_<suite>, that tests/ builds last. Every
# test case becomes its own ctest test. Suites run against the built-in plugins in the
# build tree, which they depend on.
function(evoaug_add_tests)
  cmake_parse_arguments(ARG "" "SUITE" "SOURCES;LIBS" ${ARGN})
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(abs "${src}" ABSOLUTE)
    set_property(GLOBAL APPEND PROPERTY EVOAUG_TEST_SOURCES_${ARG_SUITE} "${abs}")
  endforeach()
  set_property(GLOBAL APPEND PROPERTY EVOAUG_TEST_LIBS_${ARG_SUITE} ${ARG_LIBS})
  get_property(suites GLOBAL PROPERTY EVOAUG_TEST_SUITES)
  if(NOT ARG_SUITE IN_LIST suites)
    set_property(GLOBAL APPEND PROPERTY EVOAUG_TEST_SUITES ${ARG_SUITE})
  endif()
endfunction()
