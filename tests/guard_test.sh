#!/usr/bin/env bash
# The guard against ctest entries that execute no test case, tested on a deliberately unmatched
# entry. Usage: guard_test.sh TEST_PROGRAM CENSUS_SCRIPT TESTS_SOURCE_DIR [ENTRY_ARGS...]
#  1. TEST_PROGRAM run the way every ctest entry runs (ENTRY_ARGS), with a filter that matches no
#     test case, must exit non-zero and say so — so ctest fails such an entry;
#  2. the census of that run must fail and name the entry — so scripts/test fails too.
set -u
program=$1 census=$2 sources=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
filter="no test case has this name, on purpose"

BRAID_TEST_CENSUS_DIR="$work/census" "$program" "$filter" "$@" >"$work/out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
  echo "FAIL: an entry that matches no test case exited 0"; cat "$work/out"; exit 1
fi
grep -q "No test cases matched" "$work/out" || { echo "FAIL: no 'No test cases matched' line"; cat "$work/out"; exit 1; }

python3 "$census" "$work/census" "$sources" >"$work/census.out" 2>&1
census_rc=$?
if [ "$census_rc" -ne 1 ]; then
  echo "FAIL: the census of an unmatched entry exited $census_rc, not 1"; cat "$work/census.out"; exit 1
fi
grep -q "executed no test case:.*$filter" "$work/census.out" || {
  echo "FAIL: the census does not name the unmatched entry"; cat "$work/census.out"; exit 1; }
echo "guard: the unmatched entry exited $rc and the census refused it"
