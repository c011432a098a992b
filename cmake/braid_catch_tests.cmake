# Registers every Catch2 test case of a test program as its own ctest entry.
#
# Replaces Catch2's catch_discover_tests, which splits names containing ';' into several entries
# and filters by names whose ',' or leading '-' Catch2 then misreads, so those entries ran no test
# case and still passed. Here each name is passed to the test program with every character that
# Catch2's test-spec parser treats specially escaped, CMake list separators never touch a name,
# and every entry runs with `--warn NoTests`: an entry whose filter matches nothing exits 2 and
# fails. Each run also appends the names it executed to ${BRAID_TEST_CENSUS_DIR} (see
# tests/main.cpp), which scripts/test_census compares with the TEST_CASEs in the sources.

set(BRAID_CATCH_ADD_TESTS_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/braid_catch_add_tests.cmake)
# The arguments every entry runs with; the guard test (tests/guard_test.sh) uses the same ones.
set(BRAID_CATCH_ENTRY_ARGS --warn NoTests)

# braid_catch_tests(TARGET PREFIX LABEL): after TARGET is built, list its test cases and write one
# ctest entry per case, named "<PREFIX>: <case name>" and labelled LABEL.
function(braid_catch_tests target prefix label)
  set(ctest_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake)
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake)
  add_custom_command(TARGET ${target} POST_BUILD
    BYPRODUCTS ${ctest_file}
    COMMAND ${CMAKE_COMMAND}
            -D "TEST_EXECUTABLE=$<TARGET_FILE:${target}>"
            -D "TEST_PREFIX=${prefix}"
            -D "TEST_LABEL=${label}"
            -D "TEST_ARGS=${BRAID_CATCH_ENTRY_ARGS}"
            -D "TEST_WORKING_DIR=${CMAKE_CURRENT_BINARY_DIR}"
            -D "CENSUS_DIR=${BRAID_TEST_CENSUS_DIR}"
            -D "CTEST_FILE=${ctest_file}"
            -P ${BRAID_CATCH_ADD_TESTS_SCRIPT}
    VERBATIM)
  file(WRITE ${include_file}
    "if(EXISTS \"${ctest_file}\")\n"
    "  include(\"${ctest_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
