#!/usr/bin/env bash
# llama.cpp reads braid's shipped models: node-llama-cpp (3.21.1, pinned; installed on first use
# into the build tree, as the engine's benchmark baseline is) continues each model's fixed prompt
# greedily exactly as braid does (tests/models/shipped_models.json holds braid's continuation).
# Usage: models_llama_cpp_test.sh SOURCE_DIR BUILD_DIR. Exits 77 (skipped) without node and npm
# or when the package cannot be installed.
set -euo pipefail
src=$1
npm_dir=$2/npm-node-llama-cpp
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  echo "SKIPPED: node and npm are needed for the llama.cpp baseline (apt-get install nodejs npm)"
  exit 77
fi
if [ ! -d "$npm_dir/node_modules/node-llama-cpp" ]; then
  mkdir -p "$npm_dir"
  if ! (cd "$npm_dir" && npm init -y > /dev/null && \
        npm install --silent --no-audit --no-fund -E node-llama-cpp@3.21.1 > install.log 2>&1); then
    echo "SKIPPED: npm could not install node-llama-cpp@3.21.1:"
    tail -5 "$npm_dir/install.log"
    exit 77
  fi
fi
cp "$src/tests/models/llama_cpp_generate.mjs" "$npm_dir/"
python3 - "$src" "$npm_dir/llama_cpp_generate.mjs" <<'PY'
import json, os, subprocess, sys
src, script = sys.argv[1], sys.argv[2]
for name, want in json.load(open(os.path.join(src, "tests/models/shipped_models.json"))).items():
    run = subprocess.run(["node", script, os.path.join(src, "models", name), want["prompt"], str(want["max_tokens"])],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"FAIL: llama.cpp could not run {name}: {run.stderr[-2000:]}")
    got = json.loads(run.stdout.strip().splitlines()[-1])["completion"]
    if got != want["completion"]:
        sys.exit(f"FAIL: {name}: llama.cpp continued {got!r}, braid {want['completion']!r}")
    print(f"ok: llama.cpp continues {name}'s fixed prompt exactly as braid does ({len(got)} characters)")
PY
