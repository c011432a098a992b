#pragma once
// The options every strategy reads (each reads only its own), as `braid solve` takes them and as a
// run stores them in runs.config (so resume and replay rebuild the same strategy).

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"

namespace braid::planner {

struct StrategyOptions {
    // Every strategy.
    int samples = 8;                // independent threads (sampling strategies; roots of the others)
    std::int64_t max_tokens = 4096;  // completion tokens per model call
    double temperature = 1.0;

    // Adaptive styles (apr, multiverse): guards against runaway structure in the model's output.
    int max_depth = 2;              // nesting levels of spawned threads / parallel blocks
    int max_children = 16;          // children per spawn / paths per fork (more are not started)
    int max_threads = 128;          // threads per task, every level included
    int max_spawns = 8;             // spawns per thread; one more fails the thread
    std::int64_t thread_tokens = 0;  // completion tokens per thread over all its calls (0: 4 × max_tokens)
    std::int64_t sub_call_budget = 0;     // APR: root prompt prefix "Sub Call Budget: N " (0: none)
    std::int64_t child_token_budget = 0;  // APR: child prompt prefix "Token Budget: N " (0: none)

    // Step search (beam, tree) and refinement.
    int beam_width = 4;             // beam: kept partial solutions per step
    int expansions = 4;             // continuations sampled per kept node and step
    int max_steps = 8;              // steps per thread
    std::int64_t step_tokens = 256;  // completion tokens per step
    std::string step_stop = "\n";   // a step ends at this string (or at step_tokens)
    std::string scorer = "checker";  // checker | judge | heuristic
    int rounds = 3;                 // refine: revisions after the first answer

    // LLMCompiler.
    int max_replans = 1;
    std::string tools_path;         // JSON tool declarations ("" = built-ins only)
    std::string workspace;          // folder the file tools may read ("" = none)

    // SWE agents (strategy swe).
    int agent_steps = 30;           // model calls per agent thread
    bool repro_tests = false;       // each agent also writes a test that fails before its fix
    int judge_samples = 3;          // judge verdicts per patch without logprobs (0: no judge)
    bool selector = false;          // a selection thread compares the top 3 patches (CodeMonkeys)

    // Selection (best-of-n, self-consistency, first-finish, swe): the rule that picks the answer,
    // verifiers::select_by_rule's names ("" = the strategy's own rule).
    std::string verifier;

    // Checks ranges; the error names the flag at fault.
    Result<void> validate() const;
};

nlohmann::json to_json(const StrategyOptions& options);
// Missing keys keep their defaults (runs stored before a key existed).
Result<StrategyOptions> strategy_options_from_json(const nlohmann::json& j);

}  // namespace braid::planner
