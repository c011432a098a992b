#pragma once
// The verifiers of strategy `swe` (issue 7), run over one task's submitted patches and recorded
// (VerdictRecorder; the node paths below are under its task path):
//   apply       per distinct fix: the harness apply chain and a syntax check  "<task>/verify/a<k>"
//   regression  per distinct fix: the repository's suite vs at base           "<task>/verify/r<k>"
//   repro       the agents' reproduction tests kept if they fail at base, run
//               against every distinct fix (the test × fix matrix)           "<task>/verify/repro"
//   judge       per candidate: a model's P(correct) from the issue, the fix
//               and the tail of the agent's trajectory                      "<candidate>/judge<j>"
//   length      per candidate: −(its completion tokens)
//   oracle      per candidate: the hidden tests (SweKind::grade); evaluation only
// Every verdict is stored with the candidate's share of its cost: a per-fix check's sandbox time
// is split evenly over the candidates of that fix (details "wall_ms"); the judge's USD and tokens
// are its own calls', on the task's ledger account.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>

#include "core/budget.hpp"
#include "tasks/env/sandbox.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tasks/swe/test_log.hpp"
#include "tasks/swe/workspace.hpp"
#include "verifiers/verdict_recorder.hpp"
#include "workers/thread_context.hpp"

namespace braid::verifiers {

// One submitted patch, split into its fix and its test files.
struct SubmittedPatch {
    NodeId node;                 // the agent thread
    std::string path;            // its stable path ("t/x/s3")
    std::string fix;
    std::string tests;           // "" when the agent wrote none
    std::string key;             // tasks::swe::normalize_patch(fix)
    std::int64_t completion_tokens = 0;
    std::string trajectory;      // the agent's context after its prompt
};

// What the verifiers run on; all pointees outlive the verification.
struct SweVerifyContext {
    const tasks::swe::SweTask* task = nullptr;
    const tasks::swe::TestStatusMap* base = nullptr;  // the suite at base
    const tasks::env::Sandbox* sandbox = nullptr;
    std::shared_ptr<tasks::swe::WorkspaceRoot> root;
    asio::thread_pool* pool = nullptr;
    int judge_samples = 0;       // 0: no judge
    Ledger::AccountId account = 0;  // the task's account: the judge's and the selector's calls
};

// Runs every verifier above over `patches` and returns their candidates, in input order, with
// normalized keys, scores and repro signatures filled in and everything recorded by `verdicts`.
// On the run's orchestration executor; blocking checks run on context.pool.
asio::awaitable<std::vector<Candidate>> verify_patches(workers::RunServices& services, VerdictRecorder verdicts,
                                                       SweVerifyContext context, std::vector<SubmittedPatch> patches);

}  // namespace braid::verifiers
