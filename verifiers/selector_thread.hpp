#pragma once
// The selection thread (reference §2.1 "Selection SM", §8b item 7): a model sees the problem and up
// to three candidate fixes and either writes a test script to tell them apart or names its choice.
//
// Protocol, one reply per turn:
//   <test>
//   ...a standalone Python script: exit 0 = the issue is solved, 2 = not solved, 1 = it crashed...
//   </test>
//   <choose>N</choose>          N = 1, 2 or 3: the candidate it picks
// A test is run (by the caller's ScriptRunner) on the base commit and on each candidate, and the
// exit codes with each run's output tail are appended to the thread's text; the next turn reads
// them. A reply with neither block gets one reminder of the format. After `max_turns` turns
// without a choice the thread ends with no choice (the caller keeps its previous selection).
//
// Each turn is a node of kind "select" at "<subject.path>/c<k>" below subject.parent, on
// subject.account, so its tokens and cost are on the ledger.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "core/budget.hpp"
#include "core/message.hpp"
#include "workers/thread_context.hpp"

namespace braid::verifiers {

// One run of a selection test: on the base commit (index 0) or with candidate i (index i).
struct ScriptRun {
    int exit_code = -1;
    std::string output;  // stdout and stderr, tail kept
    double wall_ms = 0;
};
// Runs `script` on the base and on each candidate, in that order; an error when it could not run
// at all (the repository vanished).
using ScriptRunner = std::function<asio::awaitable<Result<std::vector<ScriptRun>>>(std::string script)>;

struct SelectorSubject {
    NodeId parent;
    std::string path;
    Ledger::AccountId account = 0;
    std::string problem;
    std::vector<std::string> fixes;  // 2 or 3 candidates, shown as candidates 1..n
};

struct SelectorOptions {
    int max_turns = 10;
    std::int64_t max_tokens = 2048;  // per turn
    double temperature = 0;
    std::size_t output_chars = 2000; // of each run's output shown to the model
};

struct SelectorResult {
    std::optional<std::size_t> chosen;  // 0-based index into subject.fixes
    int turns = 0;
    int tests_run = 0;
    Usage usage;
    double cost_usd = 0;
    double test_wall_ms = 0;
    std::string reason;  // how it ended
};

std::string selector_prompt(const SelectorSubject& subject);
// The reply's <choose>N</choose> as a 0-based index in [0, candidates), or nullopt.
std::optional<std::size_t> parse_choice(std::string_view reply, std::size_t candidates);
// The body of the reply's <test>...</test>, or nullopt.
std::optional<std::string> parse_test(std::string_view reply);

// Errors: a turn's call failing (budget_exhausted when the ledger refuses one), or the runner's.
asio::awaitable<Result<SelectorResult>> run_selector(workers::RunServices& services, SelectorSubject subject,
                                                     ScriptRunner runner, SelectorOptions options = {});

}  // namespace braid::verifiers
