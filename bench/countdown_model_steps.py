#!/usr/bin/python3
"""Where braid's Countdown model goes wrong, step by step, from its training checkpoint (torch).

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/countdown_model_steps.py \\
      models/checkpoints/countdown-direct --braid build/orchestrator/braid [--pool classic] [--problems 64]

1. Greedy solutions of the first --problems held-out problems: per step (1st, 2nd, 3rd operation),
   how many `Exploring Operation: a op b = c` lines have c right. A model that does not plan gets
   the early steps right and the last one wrong (it writes the target whatever a op b gives).
2. The fork boundary: each greedy solution is cut after its first `Moving to Node`, and the model
   continues it greedily twice — from the root prompt and the cut text encoded apart (as in
   training; the baseline) and encoded as one string (as a text-level fork's prompt is, e.g. a
   beam step). Printed: how often the next operation's arithmetic is right each way.
"""
import argparse
import os
import re
import subprocess
import sys
import json

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "train"))
from train import greedy, load_checkpoint, root_prompt  # noqa: E402

OPERATION = re.compile(r"Exploring Operation: (\d+)([-+*/])(\d+)=(\d+)")


def right(match):
    a, op, b, c = int(match[1]), match[2], int(match[3]), int(match[4])
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None}[op] == c


@torch.no_grad()
def continue_ids(model, tok, ids, max_new):
    out = []
    for _ in range(max_new):
        nxt = int(model(torch.tensor([ids + out]))[0, -1].argmax())
        if nxt == tok.eos:
            break
        out.append(nxt)
    return tok.decode(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint_dir")
    ap.add_argument("--braid", required=True)
    ap.add_argument("--pool", default="classic", choices=["classic", "uniform"])
    ap.add_argument("--problems", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(2)
    ckpt, tok, model = load_checkpoint(a.checkpoint_dir)
    model.eval()
    out = subprocess.run([a.braid, "countdown", "generate", "--seed", "1", "--pool", a.pool, "--count",
                          str(a.problems)], check=True, capture_output=True, text=True).stdout
    prompts = [root_prompt(p["numbers"], p["target"]) for p in map(json.loads, out.splitlines())]
    solutions = greedy(model, tok, prompts, 300)

    per_step = {}
    for text in solutions:
        for step, match in enumerate(OPERATION.finditer(text)):
            tally = per_step.setdefault(step, [0, 0])
            tally[0] += right(match)
            tally[1] += 1
    print(f"step {ckpt['step']} checkpoint, {a.problems} held-out problems ({a.pool} pool), greedy:")
    for step, (good, seen) in sorted(per_step.items()):
        print(f"  operation {step + 1}: {good} of {seen} right")

    forks = {"apart (training, baseline)": 0, "whole (a text-level fork)": 0}
    cut_count = 0
    for prompt, text in zip(prompts, solutions):
        cut = text.find("Moving to Node")
        if cut < 0:
            continue
        cut_count += 1
        text = text[:cut + len("Moving to Node")]
        encodings = {"apart (training, baseline)": [tok.bos] + tok.encode(prompt) + tok.encode(text),
                     "whole (a text-level fork)": [tok.bos] + tok.encode(prompt + text)}
        for name, ids in encodings.items():
            match = OPERATION.search(continue_ids(model, tok, ids, 70))
            forks[name] += bool(match and right(match))
    print(f"next operation right after the first 'Moving to Node', {cut_count} solutions:")
    for name, good in forks.items():
        print(f"  prompt encoded {name}: {good} of {cut_count}")


if __name__ == "__main__":
    main()
