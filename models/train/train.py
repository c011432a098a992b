#!/usr/bin/python3
"""Trains one of braid's Countdown models from scratch, resumably, and exports it to GGUF.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 models/train/train.py CHECKPOINT_DIR \\
      --braid build/orchestrator/braid [--style direct] [--pool classic] [--steps N] [--minutes M] \\
      [--export OUT.gguf]

CHECKPOINT_DIR holds checkpoint.pt (model, optimizer, step, tokenizer, settings) and log.jsonl
(loss per logging interval, held-out greedy accuracy per evaluation). Started again on the same
directory it resumes exactly where it stopped: the data order depends only on the seed and the
step. Settings given on the first start are kept; later starts may change only --steps,
--minutes, --export and --braid.

Data: `braid countdown traces --style STYLE --pool POOL --seed SEED+k --count CHUNK` for chunk
k = 0, 1, ... (training seeds; held-out problems are excluded by braid), tokenized, shuffled per
chunk. The loss counts completion tokens and the end token only, never the prompt. Held-out
accuracy: greedy completions of the first --eval-problems held-out problems of the same pool
(`braid countdown generate --seed 1 --pool POOL`), checked like braid's checker checks a direct
solution (check_direct below).
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_gguf import export  # noqa: E402
from llama_model import Config, LlamaModel  # noqa: E402
from trace_tokenizer import Tokenizer, fit  # noqa: E402

FIRST_TRAINING_SEED = 1_000_000
HELD_OUT_SEED = 1
TOKENIZER_SEED = 1_999_999_999  # the tokenizer is fitted on traces of all styles and pools from here


def run_braid(braid, args):
    out = subprocess.run([braid] + args, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def fit_tokenizer(braid):
    texts = []
    for style in ("direct", "sosp", "apr"):
        for pool in ("uniform", "classic"):
            for row in run_braid(braid, ["countdown", "traces", "--style", style, "--pool", pool,
                                         "--seed", str(TOKENIZER_SEED), "--count", "150"]):
                texts.append(row["prompt"] + row["completion"])
    return Tokenizer(fit(texts))


def check_direct(prompt, completion):
    """True when `completion` is a valid path from the prompt's state to its target, as braid's
    checker reads a trace with one 'Goal Reached' line (tasks/countdown/checker.hpp)."""
    state = prompt.split("Current State: ", 1)[1].split("], Operations", 1)[0] + "]"
    target = int(state.split(":")[0])
    numbers = [int(x) for x in state.split("[", 1)[1].rstrip("]").split(",") if x.strip()]
    for line in completion.split("\n"):
        if "Exploring Operation:" in line:
            try:
                op, rest = line.split("Exploring Operation:", 1)[1].split(", Resulting Numbers:")
                lhs_op, result = op.strip().split("=")
                sym = next(c for c in "+-*/" if c in lhs_op[1:])
                a, b = (int(x) for x in lhs_op.split(sym, 1))
                result = int(result)
                stated = sorted(int(x) for x in rest.strip().strip("[]").split(",") if x.strip())
            except (ValueError, StopIteration):
                return False
            value = {"+": a + b, "*": a * b, "-": a - b if a >= b else None,
                     "/": a // b if b and a % b == 0 else None}[sym]
            if value is None or value != result:
                return False
            left = list(numbers)
            for x in (a, b):
                if x not in left:
                    return False
                left.remove(x)
            if sorted(left + [result]) != stated:
                return False
            numbers = left + [result]
        if "Goal Reached" in line:
            return numbers == [target]
    return False


def root_prompt(numbers, target):
    """tasks/countdown/prompt.hpp's root prompt."""
    return f"Moving to Node #0\nCurrent State: {target}:[{', '.join(map(str, numbers))}], Operations: []"


class Data:
    """Tokenized training rows, chunk by chunk, in a seeded order."""

    def __init__(self, braid, style, pool, seed, chunk, tok, joint_boundary):
        self.braid, self.style, self.pool, self.seed, self.chunk, self.tok = braid, style, pool, seed, chunk, tok
        self.joint_boundary = joint_boundary
        self.loaded = None

    def encode_apart(self, row):
        """Prompt and completion encoded apart, as a plain call sees them: (ids, prompt tokens)."""
        prompt = [self.tok.bos] + self.tok.encode(row["prompt"])
        return prompt + self.tok.encode(row["completion"]) + [self.tok.eos], len(prompt)

    def encode_whole(self, row):
        """Prompt and completion encoded as one string, as a text-level fork's prompt is: a token
        may then span the boundary (` []\n`). It counts as prompt, input only; the loss starts at
        the first token that begins in the completion."""
        ids = [self.tok.bos] + self.tok.encode(row["prompt"] + row["completion"])
        chars, prompt_len = 0, len(ids)
        for i in range(1, len(ids)):
            if chars >= len(row["prompt"]):
                prompt_len = i
                break
            chars += len(self.tok.decode([ids[i]]))
        return ids + [self.tok.eos], prompt_len

    def rows(self, k):
        if self.loaded is None or self.loaded[0] != k:
            rows = run_braid(self.braid, ["countdown", "traces", "--style", self.style, "--pool", self.pool,
                                          "--seed", str(self.seed + k), "--count", str(self.chunk)])
            if self.style != "direct":
                rows = [r for r in rows if r["solved"]]
            whole = random.Random(self.seed * 7919 + k + 1)  # which rows are encoded as one string
            examples = [self.encode_whole(r) if whole.random() < self.joint_boundary else self.encode_apart(r)
                        for r in rows]
            random.Random(self.seed * 7919 + k).shuffle(examples)
            self.loaded = (k, examples)
        return self.loaded[1]

    def batch(self, step, size, ctx):
        """The batch of training step `step` (from 0): a pure function of the step. Each chunk gives
        chunk // size batches; a chunk with fewer rows (SoS+ keeps solved traces only) wraps."""
        per_chunk = max(1, self.chunk // size)
        k, i = divmod(step, per_chunk)
        rows = self.rows(k)
        examples = [rows[(i * size + j) % len(rows)] for j in range(size)]
        length = min(ctx, max(len(ids) for ids, _ in examples))
        x = torch.zeros(len(examples), length, dtype=torch.long)
        y = torch.full((len(examples), length), -100, dtype=torch.long)
        for row, (ids, prompt_len) in enumerate(examples):
            ids = ids[:length + 1]
            x[row, :len(ids) - 1] = torch.tensor(ids[:-1])
            target = torch.tensor(ids[1:])
            target[:prompt_len - 1] = -100  # positions whose next token is still the prompt
            y[row, :len(ids) - 1] = target
        return x, y


def load_checkpoint(checkpoint_dir):
    """The checkpoint dict of CHECKPOINT_DIR/checkpoint.pt, its tokenizer and its model (weights loaded)."""
    ckpt = torch.load(os.path.join(checkpoint_dir, "checkpoint.pt"))
    model = LlamaModel(Config(**ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    return ckpt, Tokenizer(ckpt["merges"]), model


@torch.no_grad()
def greedy(model, tok, prompts, max_new):
    """Greedy completions of `prompts` (batched, KV-cached); each ends at EOS or max_new tokens."""
    model.eval()
    encoded = [[tok.bos] + tok.encode(p) for p in prompts]
    out = []
    for start in range(0, len(encoded), 32):
        group = encoded[start:start + 32]
        # Left-align by decoding prompts of one length together.
        by_len = {}
        for j, ids in enumerate(group):
            by_len.setdefault(len(ids), []).append(j)
        texts = [None] * len(group)
        for length, members in by_len.items():
            ids = torch.tensor([group[j] for j in members])
            caches = [dict() for _ in range(model.cfg.layers)]
            logits = model(ids, caches, 0)[:, -1]
            done = torch.zeros(len(members), dtype=torch.bool)
            gen = [[] for _ in members]
            pos = length
            for _ in range(max_new):
                nxt = logits.argmax(-1)
                for r, t in enumerate(nxt.tolist()):
                    if not done[r]:
                        if t == tok.eos:
                            done[r] = True
                        else:
                            gen[r].append(t)
                if done.all() or pos >= model.cfg.ctx:
                    break
                logits = model(nxt[:, None], caches, pos)[:, -1]
                pos += 1
            for r, j in enumerate(members):
                texts[j] = tok.decode(gen[r])
        out.extend(texts)
    model.train()
    return out


def evaluate(model, tok, braid, pool, count):
    problems = run_braid(braid, ["countdown", "generate", "--seed", str(HELD_OUT_SEED), "--pool", pool,
                                 "--count", str(count)])
    prompts = [root_prompt(p["numbers"], p["target"]) for p in problems]
    completions = greedy(model, tok, prompts, max_new=model.cfg.ctx)
    return sum(check_direct(p, c) for p, c in zip(prompts, completions)) / len(prompts), completions[0]


def learning_rate(step, settings):
    warmup, peak, total = settings["warmup"], settings["lr"], settings["steps"]
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def save(path, model, opt, step, tok, settings):
    tmp = path + ".tmp"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "step": step,
                "merges": tok.merges, "config": model.cfg.__dict__, "settings": settings}, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint_dir")
    ap.add_argument("--braid", required=True, help="the braid binary (writes the traces)")
    ap.add_argument("--style", default="direct", choices=["direct", "sosp", "apr"])
    ap.add_argument("--pool", default="classic", choices=["classic", "uniform"],
                    help="where the problems' numbers come from (braid countdown generate --pool)")
    ap.add_argument("--seed", type=int, default=FIRST_TRAINING_SEED)
    ap.add_argument("--steps", type=int, default=20000, help="planned steps (the LR schedule's length)")
    ap.add_argument("--minutes", type=float, default=0, help="stop (with a checkpoint) after this long; 0: no limit")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--chunk", type=int, default=20000, help="problems per data chunk")
    ap.add_argument("--joint-boundary", type=float, default=0.0,
                    help="share of rows encoded as one string (prompt + completion), so the token a "
                         "text-level fork's prompt has at the root boundary is seen in training "
                         "(models/README.md, 'What limits it'); the shipped direct model used 0")
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--ffn", type=int, default=384)
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--eval-problems", type=int, default=100)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--save-every", type=int, default=250)
    ap.add_argument("--export", help="write the model as GGUF here when training stops")
    ap.add_argument("--name", default="braid-countdown", help="general.name in the GGUF")
    a = ap.parse_args()

    torch.set_num_threads(int(os.environ.get("BRAID_TRAIN_THREADS", "2")))
    os.makedirs(a.checkpoint_dir, exist_ok=True)
    ckpt_path = os.path.join(a.checkpoint_dir, "checkpoint.pt")
    log_path = os.path.join(a.checkpoint_dir, "log.jsonl")

    if os.path.exists(ckpt_path):
        ckpt, tok, model = load_checkpoint(a.checkpoint_dir)
        cfg = model.cfg
        settings = ckpt["settings"]
        settings.setdefault("pool", "uniform")  # checkpoints from before --pool
        settings.setdefault("joint_boundary", 0.0)  # ... and from before --joint-boundary
        settings["steps"] = a.steps
        opt = torch.optim.AdamW(model.parameters(), lr=settings["lr"], betas=(0.9, 0.95), weight_decay=0.1)
        opt.load_state_dict(ckpt["optimizer"])
        step = ckpt["step"]
        print(f"resuming at step {step}", flush=True)
    else:
        settings = dict(style=a.style, pool=a.pool, joint_boundary=a.joint_boundary, seed=a.seed, steps=a.steps,
                        batch=a.batch, lr=a.lr, warmup=a.warmup, chunk=a.chunk)
        if a.seed < FIRST_TRAINING_SEED:
            sys.exit(f"--seed {a.seed} is an evaluation seed; training seeds start at {FIRST_TRAINING_SEED}")
        torch.manual_seed(a.seed)
        tok = fit_tokenizer(a.braid)
        cfg = Config(vocab=len(tok), dim=a.dim, layers=a.layers, heads=a.heads, kv_heads=a.kv_heads, ffn=a.ffn,
                     ctx=a.ctx)
        model = LlamaModel(cfg)
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.95), weight_decay=0.1)
        step = 0
        print(f"new model: {model.parameter_count()} parameters, vocabulary {len(tok)}", flush=True)

    data = Data(a.braid, settings["style"], settings["pool"], settings["seed"], settings["chunk"], tok,
                settings["joint_boundary"])
    started = time.time()
    window_loss, window_tokens, window_start = 0.0, 0, time.time()
    log = open(log_path, "a")
    while step < settings["steps"]:
        if a.minutes and time.time() - started > a.minutes * 60:
            break
        x, y = data.batch(step, settings["batch"], cfg.ctx)
        for group in opt.param_groups:
            group["lr"] = learning_rate(step, settings)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), y.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        window_loss += loss.item()
        window_tokens += int((y != -100).sum())
        if step % a.log_every == 0:
            elapsed = time.time() - window_start
            entry = {"step": step, "loss": round(window_loss / a.log_every, 4),
                     "lr": round(learning_rate(step - 1, settings), 6),
                     "target_tokens_per_s": round(window_tokens / elapsed), "time": int(time.time())}
            print(json.dumps(entry), flush=True)
            log.write(json.dumps(entry) + "\n")
            log.flush()
            window_loss, window_tokens, window_start = 0.0, 0, time.time()
        if step % a.save_every == 0:
            save(ckpt_path, model, opt, step, tok, settings)
        if step % a.eval_every == 0:
            accuracy, sample = evaluate(model, tok, a.braid, settings["pool"], a.eval_problems)
            entry = {"step": step, "held_out_greedy_accuracy": accuracy, "problems": a.eval_problems,
                     "time": int(time.time())}
            print(json.dumps(entry), "first completion:", json.dumps(sample[:200]), flush=True)
            log.write(json.dumps(entry) + "\n")
            log.flush()
            window_start = time.time()
    save(ckpt_path, model, opt, step, tok, settings)
    print(f"stopped at step {step}", flush=True)
    if a.export:
        export(model, tok, a.export, a.name)
        print(f"wrote {a.export}", flush=True)


if __name__ == "__main__":
    main()
