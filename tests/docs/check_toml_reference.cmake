# Regenerates the TOML reference with the built host and compares it with the committed
# docs/toml-reference.md, so the docs cannot drift from the schemas in the code.
#   cmake -DEVOAUG=<bin/evoaug> -DREFERENCE=<docs/toml-reference.md> -DOUTPUT=<file> -P check_toml_reference.cmake
execute_process(COMMAND "${EVOAUG}" plugins --markdown
  OUTPUT_VARIABLE generated ERROR_VARIABLE errors RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "evoaug plugins --markdown failed (${status}):\n${errors}")
endif()
file(WRITE "${OUTPUT}" "${generated}")
file(READ "${REFERENCE}" committed)
if(NOT generated STREQUAL committed)
  message(FATAL_ERROR "docs/toml-reference.md is out of date with the schemas in the code.\n"
    "Regenerate it: build/bin/evoaug plugins --markdown > docs/toml-reference.md\n"
    "(the generated text is in ${OUTPUT}; compare: diff ${REFERENCE} ${OUTPUT})")
endif()
message(STATUS "docs/toml-reference.md matches the schemas")
