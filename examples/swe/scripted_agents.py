#!/usr/bin/env python3
"""Writes scripted_agents.json: a scripted stand-in (not a model) that plays six SWE agents per
example task, call by call, for `braid solve examples/swe/tasks.jsonl --strategy swe --samples 6
--backend scripted --script examples/swe/scripted_agents.json`.

Per task (t/<instance_id>/s<k>):
  s0  applies the patch that breaks a PASS_TO_PASS test, submits
  s1  reads and searches (two calls in one turn), applies the gold patch together with a
      reproduction test (patches/<name>.repro-agent.diff), runs the tests, submits
  s2  applies the wrong patch (fixes only the issue's example), submits
  s3  loops: lists files every turn and never submits (stopped by --agent-steps)
  s4  makes the gold fix with exact-replacement edits, one hunk per turn, submits
  s5  applies the breaking patch, submits
  s6  applies the breaking patch, submits
The judge (t/<instance_id>/s<k>/judge<j>) answers with first-token logprobs and is fooled: it
likes the wrong patch best (P(yes) 0.95), the gold ones less (0.62, 0.57), the breaking one least
(0.31).
Plain majority picks the breaking patch (three of six submissions); the judge alone picks the
wrong one; the hybrid cascade drops the breaking patch on regressions and the wrong one on the
reproduction test, and picks the gold fix.
The selection thread (t/<instance_id>/selector, with --selector) is shown the gold, wrong and
breaking fixes in that order (the hybrid cascade's); it runs the reproduction test as a script on
each (the gold and the breaking fix pass it), then chooses candidate 1.
Standard library only: python3 scripted_agents.py > scripted_agents.json
"""
import json
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def call(name, **arguments):
    return "<tool_call>\n" + json.dumps({"name": name, "arguments": arguments}) + "\n</tool_call>\n"


def hunk_edits(diff):
    """(path, old, new) per hunk of a unified diff: context and removed lines vs context and added."""
    edits, path, old, new = [], None, None, None
    for line in diff.splitlines(keepends=True):
        if line.startswith("+++ "):
            path = line[4:].strip()[2:]
        elif line.startswith("@@"):
            if old is not None:
                edits.append((path, "".join(old), "".join(new)))
            old, new = [], []
        elif old is not None and line[:1] in (" ", "-", "+") and not line.startswith(("--- ", "diff ")):
            if line[0] in " -":
                old.append(line[1:])
            if line[0] in " +":
                new.append(line[1:])
        elif line.startswith("diff "):
            if old is not None:
                edits.append((path, "".join(old), "".join(new)))
            old, new = None, None
    if old is not None:
        edits.append((path, "".join(old), "".join(new)))
    return edits


def escape(text):
    """Escapes what ECMAScript regexes treat specially (std::regex rejects Python's escape of '-')."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)


def patch(name, kind):
    with open(os.path.join(HERE, "patches", f"{name}.{kind}.diff")) as f:
        return f.read()


def agent_turns(name, first_file):
    gold, wrong, breaks = patch(name, "gold"), patch(name, "wrong"), patch(name, "breaks")
    submit = "The change is complete.\n" + call("submit")
    turns = {
        0: ["I will apply my fix.\n" + call("apply_patch", patch=breaks), submit],
        1: ["Let me look at the code first.\n" + call("read_file", path=first_file)
            + call("search", pattern="def ", path=os.path.dirname(first_file) or "."),
            "I see the bug; here is the fix and a test that reproduces the issue.\n"
            + call("apply_patch", patch=gold + patch(name, "repro-agent")),
            "Now the tests.\n" + call("run_tests"),
            submit],
        2: ["The example in the issue is easy to fix.\n" + call("apply_patch", patch=wrong), submit],
        4: [f"Editing {p}.\n" + call("edit", path=p, old=o, new=n) for p, o, n in hunk_edits(gold)] + [submit],
        5: ["Applying the fix.\n" + call("apply_patch", patch=breaks), submit],
        6: ["Applying the fix.\n" + call("apply_patch", patch=breaks), submit],
    }
    return turns


# P(yes) of the judge per agent, as the first token's logprobs of "Yes" and "No".
JUDGE_YES = {0: 0.31, 1: 0.62, 2: 0.95, 4: 0.57, 5: 0.31, 6: 0.31}

# The selection thread's script: the agent's reproduction test file, run standalone with the exit
# code contract of the selection thread (0 solved, 2 not solved).
SELECTION_SCRIPT = """import sys, types, unittest
source = {source!r}
module = types.ModuleType("repro")
exec(compile(source, "repro", "exec"), module.__dict__)
failed = False
for name, value in sorted(vars(module).items()):
    if name.startswith("test_") and callable(value):
        try:
            value()
        except Exception as error:
            print(name, "failed:", error)
            failed = True
    elif isinstance(value, type) and issubclass(value, unittest.TestCase) and value is not unittest.TestCase:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(value)
        failed |= not unittest.TextTestRunner(stream=sys.stdout, verbosity=0).run(suite).wasSuccessful()
sys.exit(2 if failed else 0)
"""


def added_file(diff):
    """The text of the file a diff adds."""
    return "".join(line[1:] + "\n" for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++"))


def judge_reply(p_yes):
    top = {"Yes": math.log(p_yes), "No": math.log(1 - p_yes)}
    word = "Yes" if p_yes >= 0.5 else "No"
    return {"text": word, "logprob": top[word], "top_logprobs": top}


def main():
    replies = []
    with open(os.path.join(HERE, "tasks.jsonl")) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    for row in rows:
        iid = row["instance_id"]
        name = row["repo"].split("/")[-1]
        first_file = re.search(r"^\+\+\+ b/(.*)$", row["patch"], re.M).group(1)
        for k, turns in agent_turns(name, first_file).items():
            for c, text in enumerate(turns):
                replies.append({"origin": f"^t/{escape(iid)}/s{k}/c{c}$", "text": text})
        script = SELECTION_SCRIPT.format(source=added_file(patch(name, "repro-agent")))
        replies.append({"origin": f"^t/{escape(iid)}/selector/c0$",
                        "text": "A test tells the candidates apart.\n<test>\n" + script + "</test>"})
        replies.append({"origin": f"^t/{escape(iid)}/selector/c1$",
                        "text": "Candidates 1 and 3 pass the test; 3 also changes unrelated behaviour.\n<choose>1</choose>"})
        for k, p_yes in JUDGE_YES.items():
            replies.append(dict(judge_reply(p_yes), origin=f"^t/{escape(iid)}/s{k}/judge[0-9]+$"))
        replies.append({"origin": f"^t/{escape(iid)}/s3/c[0-9]+$",
                        "text": "Let me look around once more.\n" + call("shell", command="ls")})
    json.dump({"replies": replies, "default": {"text": "I am not sure what to do."}}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
