#!/usr/bin/env python3
"""Baseline for bench/runtime_overhead: the same fan-out/join DAG in Python asyncio.

Each node is an asyncio task that "calls" an instant backend (an async generator yielding the
reply line by line), and writes the same rows braid writes: a node row (its parent column is the
spawn edge), join edges, events node_created / node_running / tokens / node_finished, and an UPDATE
of the node row's status columns on each status change — braid's statements, row for row.
Rows go to SQLite through the standard sqlite3 module, batched like braid's writer: a writer task
commits up to BATCH operations per transaction whenever operations are queued.

Usage: baseline_asyncio.py DB_PATH NODES FANOUT  → prints one JSON line {"nodes":..,"seconds":..}
When DB_PATH already holds braid's schema (bench/runtime_overhead creates it with Store::open, with
run 1 in it), rows go into those very tables, indexes and constraints included; otherwise a
minimal schema is created. Python 3 standard library only.
"""
import asyncio
import json
import sqlite3
import sys
import time

BATCH = 4096
REPLY = "Moving to Node #0\nCurrent State: 24:[2, 3, 4], Operations: []\n"

SCHEMA = """
CREATE TABLE nodes (run INTEGER, id INTEGER, parent INTEGER, path TEXT, kind TEXT, label TEXT,
  status TEXT, backend TEXT, model TEXT, started_ms INTEGER, finished_ms INTEGER,
  prompt_tokens INTEGER, completion_tokens INTEGER, cached_tokens INTEGER, cost_usd REAL,
  PRIMARY KEY (run, id));
CREATE TABLE edges (run INTEGER, src INTEGER, dst INTEGER, kind TEXT);
CREATE TABLE events (run INTEGER, seq INTEGER, node INTEGER, time_ms INTEGER, type TEXT,
  payload TEXT, PRIMARY KEY (run, seq));
"""

UPSERT_NODE = ("INSERT INTO nodes VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(run, id) DO UPDATE SET "
               "status=excluded.status, backend=excluded.backend, model=excluded.model, "
               "started_ms=excluded.started_ms, finished_ms=excluded.finished_ms, "
               "prompt_tokens=excluded.prompt_tokens, completion_tokens=excluded.completion_tokens, "
               "cost_usd=excluded.cost_usd")
UPDATE_STATUS = ("UPDATE nodes SET status=?, backend=?, model=?, started_ms=?, finished_ms=?, prompt_tokens=?, "
                 "completion_tokens=?, cached_tokens=?, cost_usd=? WHERE run=? AND id=?")
INSERT_EDGE = "INSERT OR IGNORE INTO edges VALUES (?,?,?,?)"
INSERT_EVENT = "INSERT INTO events VALUES (?,?,?,?,?,?)"


def now_ms():
    return int(time.time() * 1000)


class Recorder:
    def __init__(self, db):
        self.db = db
        self.queue = []
        self.seq = 0
        self.next_id = 0
        self.wake = asyncio.Event()
        self.nodes = {}

    def op(self, sql, row):
        self.queue.append((sql, row))
        self.wake.set()

    def event(self, node, type_, payload):
        self.seq += 1
        self.op(INSERT_EVENT, (1, self.seq, node, now_ms(), type_, payload))

    def write_node(self, n):
        self.op(UPSERT_NODE, (1, n["id"], n["parent"], n["path"], n["kind"], n["label"], n["status"], "scripted",
                              "", n["started"], n["finished"], n["prompt"], n["completion"], 0, 0.0))

    def create_node(self, parent, path, kind):
        self.next_id += 1
        n = {"id": self.next_id, "parent": parent, "path": path, "kind": kind, "label": kind, "status": "created",
             "started": 0, "finished": 0, "prompt": 0, "completion": 0}
        self.nodes[n["id"]] = n
        self.write_node(n)
        self.event(n["id"], "node_created", json.dumps({"path": path, "kind": kind}))
        return n

    def set_status(self, n, status, payload="{}"):
        n["status"] = status
        if status == "running":
            n["started"] = now_ms()
        elif status == "finished":
            n["finished"] = now_ms()
        self.op(UPDATE_STATUS, (status, "scripted", "", n["started"], n["finished"], n["prompt"], n["completion"],
                                0, 0.0, 1, n["id"]))
        self.event(n["id"], "node_" + status, payload)

    async def writer(self, done):
        while True:
            if not self.queue:
                if done.is_set():
                    return
                self.wake.clear()
                waiter = asyncio.ensure_future(self.wake.wait())
                finisher = asyncio.ensure_future(done.wait())
                await asyncio.wait({waiter, finisher}, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel()
                finisher.cancel()
                continue
            batch, self.queue = self.queue[:BATCH], self.queue[BATCH:]
            self.db.execute("BEGIN")
            for sql, row in batch:
                self.db.execute(sql, row)
            self.db.execute("COMMIT")
            await asyncio.sleep(0)  # let producers run between batches


async def backend(prompt):
    for line in REPLY.splitlines(keepends=True):
        yield line


async def sample(rec, parent, i):
    n = rec.create_node(parent["id"], parent["path"] + "/s%d" % i, "sample")
    rec.set_status(n, "running", json.dumps({"request": "%032x" % i}))
    text = ""
    async for chunk in backend("Current State: 24:[2, 3, 4]"):
        text += chunk
    rec.event(n["id"], "tokens", json.dumps({"text": text}))
    n["prompt"], n["completion"] = 10, len(text.split())
    rec.set_status(n, "finished", json.dumps({"finish_reason": "stop", "prompt_tokens": 10,
                                              "completion_tokens": n["completion"]}))
    return n["id"], text


async def main(path, total, fanout):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    if db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'nodes'").fetchone()[0] == 0:
        db.executescript(SCHEMA)
    rec = Recorder(db)
    done = asyncio.Event()
    writer = asyncio.ensure_future(rec.writer(done))
    start = time.perf_counter()
    root = rec.create_node(0, "run", "run")
    rec.set_status(root, "running")
    groups = max(1, (total - 1) // (fanout + 2))
    made = 1

    async def group(g):
        t = rec.create_node(root["id"], "run/g%d" % g, "task")
        rec.set_status(t, "running")
        outs = await asyncio.gather(*(sample(rec, t, i) for i in range(fanout)))
        j = rec.create_node(t["id"], t["path"] + "/join", "join")
        for node_id, _text in outs:
            rec.op(INSERT_EDGE, (1, node_id, j["id"], "join"))
        rec.set_status(j, "finished", json.dumps({"joined": len(outs)}))
        rec.set_status(t, "finished")

    await asyncio.gather(*(group(g) for g in range(groups)))
    made += groups * (fanout + 2)
    rec.set_status(root, "finished")
    done.set()
    await writer
    seconds = time.perf_counter() - start
    db.close()
    print(json.dumps({"nodes": made, "seconds": seconds}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
