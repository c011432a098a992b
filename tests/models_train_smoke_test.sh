#!/usr/bin/env bash
# A few training steps of a tiny Countdown model (models/train/), exported to GGUF, loaded by braid:
# braid's engine must count the prompt's tokens as the trainer's tokenizer does and continue the
# prompt greedily exactly as torch does from the checkpoint.
# Usage: models_train_smoke_test.sh BRAID_BINARY SOURCE_DIR. Exits 77 (skipped) without torch.
set -euo pipefail
braid=$1
src=$2
python=/usr/bin/python3
if ! OPENBLAS_NUM_THREADS=1 "$python" -c "import torch" 2>/dev/null; then
  echo "SKIPPED: /usr/bin/python3 cannot import torch (scripts/setup installs python3-torch)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1 BRAID_TRAIN_THREADS=1

# The trainer's held-out check accepts braid's own direct traces and rejects a wrong step.
"$braid" countdown traces --style direct --pool classic --seed 1000000 --count 50 > "$work/direct.jsonl"
"$python" - "$src/models/train" "$work/direct.jsonl" "$braid" <<'PY'
import json, re, sys
sys.path.insert(0, sys.argv[1])
from train import check_direct
rows = [json.loads(line) for line in open(sys.argv[2])]
bad = [r for r in rows if not check_direct(r["prompt"], r["completion"])]
if bad:
    sys.exit(f"FAIL: check_direct refused {len(bad)} of braid's {len(rows)} direct traces, e.g. {bad[0]}")
def off_by_one(m):
    return f"={int(m.group(1)) + 1}, Resulting"
wrong = [r for r in rows if check_direct(r["prompt"], re.sub(r"=(\d+), Resulting", off_by_one, r["completion"], count=1))]
if wrong:
    sys.exit(f"FAIL: check_direct accepted {len(wrong)} traces with a wrong first step")
print(f"ok: check_direct accepts braid's {len(rows)} direct traces and rejects each with a wrong first step")

# Rows encoded as one string (--joint-boundary): the token spanning the prompt's end is input only,
# the loss starts at the first token that begins in the completion.
from train import Data, fit_tokenizer
tok = fit_tokenizer(sys.argv[3])
data = Data(sys.argv[3], "direct", "classic", 1000000, 1, tok, 1.0)
spanning = 0
for r in rows:
    ids, prompt_len = data.encode_whole(r)
    head, tail = tok.decode(ids[1:prompt_len]), tok.decode(ids[prompt_len:-1])
    if head + tail != r["prompt"] + r["completion"] or not head.startswith(r["prompt"]) or \
            len(head) - len(r["prompt"]) >= len(tok.decode([ids[prompt_len - 1]])):
        sys.exit(f"FAIL: encode_whole put the boundary at token {prompt_len}: {head[-20:]!r} | {tail[:20]!r}")
    spanning += len(head) > len(r["prompt"])
if not spanning:
    sys.exit("FAIL: no row's whole encoding had a token spanning the prompt's end (expected ' []\\n')")
print(f"ok: encode_whole marks the prompt's end right in {len(rows)} rows ({spanning} with a spanning token)")
PY

"$python" "$src/models/train/train.py" "$work/ckpt" --braid "$braid" --steps 30 --batch 4 --chunk 120 --joint-boundary 0.5 \
  --lr 1e-2 --warmup 5 --dim 32 --layers 2 --heads 2 --kv-heads 1 --ffn 64 --ctx 320 \
  --log-every 10 --save-every 10 --eval-every 30 --eval-problems 2 --export "$work/model.gguf" > "$work/train.log"
grep -q '"step": 30, "loss"' "$work/train.log" || { cat "$work/train.log"; echo "FAIL: no loss logged at step 30"; exit 1; }
grep -q '"held_out_greedy_accuracy"' "$work/train.log" || { echo "FAIL: no held-out evaluation logged"; exit 1; }

# Resuming continues from the checkpoint, not from scratch.
"$python" "$src/models/train/train.py" "$work/ckpt" --braid "$braid" --steps 40 > "$work/resume.log"
grep -q "resuming at step 30" "$work/resume.log" || { cat "$work/resume.log"; echo "FAIL: did not resume"; exit 1; }
grep -q "stopped at step 40" "$work/resume.log" || { cat "$work/resume.log"; echo "FAIL: did not stop at 40"; exit 1; }
"$python" "$src/models/train/train.py" "$work/ckpt" --braid "$braid" --steps 40 --export "$work/model.gguf" > /dev/null

prompt=$'Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []'
expected=$("$python" "$src/models/train/generate.py" "$work/ckpt" --prompt "$prompt" --max-tokens 24)
got=$("$braid" generate --model "$work/model.gguf" --prompt "$prompt" --max-tokens 24 --threads 1 2> "$work/generate.err")
"$python" - "$expected" "$got" "$work/generate.err" <<'PY'
import json, re, sys
expected, got, err = json.loads(sys.argv[1]), sys.argv[2], open(sys.argv[3]).read()
count = re.search(r"(\d+) prompt tokens", err)
if not count or int(count.group(1)) != expected["prompt_tokens"]:
    sys.exit(f"FAIL: braid counted {count and count.group(1)} prompt tokens, the trainer {expected['prompt_tokens']}\n{err}")
if got != expected["completion"]:
    sys.exit(f"FAIL: braid continued {got!r}, torch {expected['completion']!r}")
print(f"ok: {expected['prompt_tokens']} prompt tokens, greedy continuation {got!r} matches torch")
PY
