#!/usr/bin/env bash
# scripts/check_layers must refuse an include from a layer above, and accept one from below.
# Usage: check_layers_test.sh CHECK_LAYERS_SCRIPT
set -u
check=$1
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/core" "$tree/store" "$tree/planner"
printf '#pragma once\n' >"$tree/core/ids.hpp"
printf '#include "core/ids.hpp"\n' >"$tree/store/store.hpp"

python3 "$check" "$tree" >"$tree/ok.out" 2>&1 || {
  echo "FAIL: an include from a lower layer was refused"; cat "$tree/ok.out"; exit 1; }

printf '#include "core/ids.hpp"\n\n#include "planner/strategy.hpp"\n' >"$tree/store/bad.cpp"
python3 "$check" "$tree" >"$tree/bad.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: an include from a layer above exited $rc, not 1"; cat "$tree/bad.out"; exit 1; }
grep -q '^store/bad.cpp:3: store/ includes "planner/...", a layer above it$' "$tree/bad.out" || {
  echo "FAIL: the offending include is not named with its line"; cat "$tree/bad.out"; exit 1; }
echo "check_layers refused store/bad.cpp:3 and accepted store/store.hpp"
