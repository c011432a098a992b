#!/usr/bin/python3
"""braid's own Countdown model on held-out problems, through braid's real planners and engine.

  /usr/bin/python3 bench/countdown_model.py --braid build/orchestrator/braid \\
      --model models/countdown-direct.gguf [--problems 500] [--samples 64] [--threads 2] [--pool classic]

Problems: the held-out set of the model's pool (`braid countdown generate --seed 1 --pool POOL`,
never in training). Per model it
prints greedy accuracy; pass@k and best-of-N with the checker for k = 1, 2, 4, ... --samples
(from one run of --samples sampled threads per problem: the checker is exact, so best-of-N with
it solves a problem exactly when one of N samples does, and pass@k is the unbiased estimate);
self-consistency (majority over the same samples); first-finish; and beam search with the checker,
set beside best-of-N at equal total tokens. A beam step is one operation of the direct format
(it ends at "Moving to Node"), so the checker prunes wrong arithmetic after every step. Each line: accuracy, total tokens, critical-path
tokens (per problem, mean) and wall time. `--backend symbolic` runs the symbolic stand-in instead
of a model (a dry run of the bench itself).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def braid_json(braid, args):
    proc = subprocess.run([braid] + args + ["--json"], capture_output=True, text=True)
    if proc.returncode not in (0, 1):  # 1: finished, not every task solved
        sys.exit(f"braid {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout)


def solve(a, db, tasks, extra, seed=None):
    backend = ["--backend", "symbolic"] if a.backend == "symbolic" else \
        ["--backend", "local", "--model", a.model, "--threads", str(a.threads)]
    started = time.time()
    out = braid_json(a.braid, ["solve", tasks, "--db", db, "--max-tokens", str(a.max_tokens),
                               "--seed", str(a.seed if seed is None else seed)] + backend + extra)
    wall = time.time() - started
    n = len(out["tasks"])
    crit = sum(t["metrics"]["critical_path_tokens"] for t in out["tasks"]) / n
    return {"run": out["run"], "accuracy": out["solved"] / n, "tokens": out["prompt_tokens"] + out["completion_tokens"],
            "completion_tokens": out["completion_tokens"], "critical_path": crit, "wall_s": wall}


def line(name, accuracy, tokens, crit, wall):
    crit_text = f"{crit:10.0f}" if crit is not None else f"{'':>10}"
    wall_text = f"{wall:8.1f}" if wall is not None else f"{'':>8}"
    print(f"  {name:38s} {accuracy:8.3f} {tokens:12.0f} {crit_text} {wall_text}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--braid", required=True)
    ap.add_argument("--model", help="GGUF model (local engine)")
    ap.add_argument("--backend", default="local", choices=["local", "symbolic"])
    ap.add_argument("--problems", type=int, default=500)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=512)
    ap.add_argument("--beam-width", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--pool", default="classic", choices=["classic", "uniform"],
                    help="the held-out problems' number pool (the model's training pool)")
    ap.add_argument("--work", help="folder for the database and tasks (default: a temporary one)")
    a = ap.parse_args()
    if a.backend == "local" and not a.model:
        sys.exit("--model is required with the local backend")

    work = a.work or tempfile.mkdtemp(prefix="braid-countdown-bench-")
    os.makedirs(work, exist_ok=True)
    db = os.path.join(work, "bench.db")
    tasks = os.path.join(work, "held_out.jsonl")
    subprocess.run([a.braid, "countdown", "generate", "--seed", "1", "--pool", a.pool, "--count", str(a.problems),
                    "--out", tasks], check=True)
    name = a.model if a.backend == "local" else "symbolic stand-in"
    print(f"countdown_model: {name} on {a.problems} held-out problems (seed 1, {a.pool} pool), {a.threads} threads, "
          f"max {a.max_tokens} tokens per call; database {db}")
    print(f"  {'method':38s} {'accuracy':>8s} {'total tok':>12s} {'crit path':>10s} {'wall s':>8s}")

    greedy = solve(a, db, tasks, ["--strategy", "best-of-n", "--samples", "1", "--temperature", "0"])
    line("greedy (1 thread, temperature 0)", greedy["accuracy"], greedy["tokens"], greedy["critical_path"],
         greedy["wall_s"])

    sampled = solve(a, db, tasks, ["--strategy", "best-of-n", "--samples", str(a.samples), "--temperature", "1"])
    ev = braid_json(a.braid, ["eval", str(sampled["run"]), "--db", db, "--rules", "best-score:checker,majority"])
    per_sample = sampled["tokens"] / a.samples
    pass_at = {p["k"]: p["pass"] for p in ev["pass_at_k"]}
    for k in sorted(pass_at):
        line(f"best-of-{k} with the checker (pass@{k})", pass_at[k], per_sample * k, None, None)
    rules = {r["rule"]: r for r in ev["rules"]}
    line(f"best-of-{a.samples}, best-score:checker", rules["best-score:checker"]["accuracy"], sampled["tokens"],
         sampled["critical_path"], sampled["wall_s"])
    line(f"self-consistency (majority of {a.samples})", rules["majority"]["accuracy"], sampled["tokens"],
         sampled["critical_path"], sampled["wall_s"])

    # Its own seed: with the run seed above, its 8 threads would repeat the first 8 samples and be
    # served from the store (no model call, no honest wall time).
    first = solve(a, db, tasks, ["--strategy", "first-finish", "--samples", "8", "--temperature", "1"], seed=a.seed + 1)
    line("first-finish of 8", first["accuracy"], first["tokens"], first["critical_path"], first["wall_s"])

    beam = solve(a, db, tasks, ["--strategy", "beam", "--beam-width", str(a.beam_width), "--expansions",
                                str(a.beam_width), "--scorer", "checker", "--temperature", "1",
                                "--step-stop", "Moving to Node", "--max-steps", "4"])
    line(f"beam search, width {a.beam_width}, checker", beam["accuracy"], beam["tokens"], beam["critical_path"],
         beam["wall_s"])
    # Best-of-N at the beam's total tokens: the largest measured k whose tokens do not exceed it.
    fits = [k for k in sorted(pass_at) if per_sample * k <= beam["tokens"]]
    if fits:
        k = fits[-1]
        print(f"  equal total tokens: beam {beam['accuracy']:.3f} with {beam['tokens']:.0f} tokens vs "
              f"best-of-{k} {pass_at[k]:.3f} with {per_sample * k:.0f}")
    else:
        print(f"  equal total tokens: beam used {beam['tokens']:.0f} tokens, less than one sample per problem")


if __name__ == "__main__":
    main()
