# Run by braid_catch_tests (cmake -P) after a test program is built: writes CTEST_FILE with one
# add_test per test case that TEST_EXECUTABLE lists. Inputs: TEST_EXECUTABLE, TEST_PREFIX,
# TEST_LABEL, TEST_ARGS (a list), TEST_WORKING_DIR, CENSUS_DIR, CTEST_FILE.

execute_process(
  COMMAND "${TEST_EXECUTABLE}" --list-test-names-only
  OUTPUT_VARIABLE listing
  RESULT_VARIABLE result
  WORKING_DIRECTORY "${TEST_WORKING_DIR}")
# Catch2 v2 exits with the number of test cases listed; anything not a count is a failure.
if(NOT result MATCHES "^[0-9]+$")
  message(FATAL_ERROR "listing the test cases of ${TEST_EXECUTABLE} failed: ${result}\n${listing}")
endif()

# Names may hold ';', '[' or ']', which CMake's list splitting would act on: encode them first,
# split the listing into lines, and decode each name inside a bracket argument.
string(REPLACE "\\" "@braid_bs@" listing "${listing}")
string(REPLACE ";" "@braid_semi@" listing "${listing}")
string(REPLACE "[" "@braid_ob@" listing "${listing}")
string(REPLACE "]" "@braid_cb@" listing "${listing}")
string(REPLACE "\n" ";" lines "${listing}")

set(bracket_open "[=====[")
set(bracket_close "]=====]")
set(script "")
set(count 0)
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  endif()
  # The filter: a backslash before each character Catch2's test-spec parser reads specially.
  set(filter "${line}")
  foreach(special "@braid_bs@" "," "@braid_ob@" "@braid_cb@" "\"" "*" "~")
    string(REPLACE "${special}" "@braid_esc@${special}" filter "${filter}")
  endforeach()
  # A leading '-' would be read as an option by Catch2's command line.
  if(filter MATCHES "^-")
    set(filter "@braid_esc@${filter}")
  endif()
  set(name "${TEST_PREFIX}: ${line}")
  foreach(var name filter)
    string(REPLACE "@braid_esc@" "\\" ${var} "${${var}}")
    string(REPLACE "@braid_bs@" "\\" ${var} "${${var}}")
    string(REPLACE "@braid_semi@" ";" ${var} "${${var}}")
    string(REPLACE "@braid_ob@" "[" ${var} "${${var}}")
    string(REPLACE "@braid_cb@" "]" ${var} "${${var}}")
  endforeach()
  if(name MATCHES "]=====]")
    message(FATAL_ERROR "test case name cannot be registered: ${name}")
  endif()
  set(args "")
  foreach(arg IN LISTS TEST_ARGS)
    string(APPEND args " ${bracket_open}${arg}${bracket_close}")
  endforeach()
  string(APPEND script
    "add_test(${bracket_open}${name}${bracket_close} ${bracket_open}${TEST_EXECUTABLE}${bracket_close}"
    " ${bracket_open}${filter}${bracket_close}${args})\n"
    "set_tests_properties(${bracket_open}${name}${bracket_close} PROPERTIES"
    " WORKING_DIRECTORY ${bracket_open}${TEST_WORKING_DIR}${bracket_close}"
    " LABELS ${bracket_open}${TEST_LABEL}${bracket_close}"
    " ENVIRONMENT ${bracket_open}BRAID_TEST_CENSUS_DIR=${CENSUS_DIR}${bracket_close})\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} lists no test case")
endif()
file(WRITE "${CTEST_FILE}" "${script}")
