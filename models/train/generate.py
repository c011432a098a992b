#!/usr/bin/python3
"""Greedy continuation of one prompt by a training checkpoint, computed by torch — the reference
that braid's engine must reproduce from the exported GGUF.

  /usr/bin/python3 models/train/generate.py CHECKPOINT_DIR --prompt TEXT [--max-tokens N]

Prints one JSON object: {"prompt_tokens": n, "completion": text}.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import greedy, load_checkpoint  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint_dir")
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--max-tokens", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(1)
    _, tok, model = load_checkpoint(a.checkpoint_dir)
    completion = greedy(model, tok, [a.prompt], a.max_tokens)[0]
    print(json.dumps({"prompt_tokens": 1 + len(tok.encode(a.prompt)), "completion": completion}))


if __name__ == "__main__":
    main()
