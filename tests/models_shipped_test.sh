#!/usr/bin/env bash
# The models shipped in models/ (tests/models/shipped_models.json lists them): each is at most
# 25 MB, its sha256 is the one recorded there and in its model card (models/README.md), and
# braid's engine loads it, counts the fixed prompt's tokens and continues it greedily exactly as
# recorded when the model was shipped.
# Usage: models_shipped_test.sh BRAID_BINARY SOURCE_DIR
set -euo pipefail
braid=$1
src=$2
python3 - "$braid" "$src" <<'PY'
import hashlib, json, os, re, subprocess, sys
braid, src = sys.argv[1], sys.argv[2]
shipped = json.load(open(os.path.join(src, "tests/models/shipped_models.json")))
card = open(os.path.join(src, "models/README.md")).read()
if not shipped:
    sys.exit("FAIL: tests/models/shipped_models.json lists no model")
for name, want in shipped.items():
    path = os.path.join(src, "models", name)
    size = os.path.getsize(path)
    if size > 25 * 1024 * 1024:
        sys.exit(f"FAIL: {name} is {size} bytes, over 25 MB")
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()
    if digest != want["sha256"]:
        sys.exit(f"FAIL: {name} has sha256 {digest}, shipped_models.json records {want['sha256']}")
    if digest not in card:
        sys.exit(f"FAIL: models/README.md does not give {name}'s sha256 {digest}")
    run = subprocess.run([braid, "generate", "--model", path, "--prompt", want["prompt"],
                          "--max-tokens", str(want["max_tokens"]), "--threads", "1"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"FAIL: braid generate on {name} exited {run.returncode}: {run.stderr}")
    count = re.search(r"(\d+) prompt tokens", run.stderr)
    if not count or int(count.group(1)) != want["prompt_tokens"]:
        sys.exit(f"FAIL: {name}: braid counted {count and count.group(1)} prompt tokens, "
                 f"recorded {want['prompt_tokens']}\n{run.stderr}")
    got = run.stdout[:-1] if run.stdout.endswith("\n") else run.stdout  # braid generate ends with one newline
    if got != want["completion"]:
        sys.exit(f"FAIL: {name}: braid continued {got!r}, recorded {want['completion']!r}")
    print(f"ok: {name} ({size} bytes, sha256 {digest[:12]}...): {want['prompt_tokens']} prompt tokens, "
          f"greedy continuation as recorded")
PY
