#pragma once
// Step scorers: how promising a partial solution is, for step search and refinement
// (planner/search). A partial solution is the text a thread wrote after the task's prompt so far.
// Every scorer first grades the text with the task's checker; a text the checker accepts scores 1
// under every scorer (and the judge is not asked). Otherwise, in [0, 1], higher is better:
//
//   checker    the checker's view of the text so far: 0.5 while every line follows the kind's
//              rules (Countdown: partial_trace.hpp), 0 once a line breaks them; 0.5 for kinds
//              without partial rules
//   heuristic  Countdown: score_partial_trace (valid lines, closeness of the numbers left to the
//              target); other kinds: a neutral 0.5, whatever the length, so that no length wins
//   judge      a model call asks whether the partial solution is on a right track. With logprobs
//              (sampling.top_logprobs) the score is P(" Yes") / (P(" Yes") + P(" No")) over the
//              first token's alternatives; a backend that returns no logprobs gets K sampled
//              verdicts instead (that first call's text and K-1 more calls, concurrent), scored
//              yes 1, no 0, anything else 0.5, and averaged. Every call is a node of kind "judge"
//              below the scored node, seeded from its path, and drawn on the ledger.
//
// Scorers are stateless and run on the orchestration executor.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "backends/backend.hpp"
#include "core/budget.hpp"
#include "core/ids.hpp"
#include "tasks/task_kind.hpp"
#include "workers/thread_context.hpp"

namespace braid::verifiers {

struct PartialSolution {
    const tasks::Task* task = nullptr;  // owned by the run
    const tasks::TaskKind* kind = nullptr;
    std::string prompt;             // the task's prompt
    std::string text;               // what the thread wrote after it so far
    NodeId node;                    // the scored step's node: judge calls are recorded below it
    std::string path;               // that node's stable path; judge seeds derive from it
    Ledger::AccountId account = 0;  // judge calls draw on this account
};

struct StepScore {
    double score = 0;        // in [0, 1]
    bool accepted = false;   // the task's checker accepts the text
    std::string normalized;  // the checker's answer key ("" when none)
    std::string reason;      // the checker's reason
    Usage judge_usage;       // what the judge's calls used (zero for the other scorers)
    int judge_calls = 0;
};

struct JudgeOptions {
    double temperature = 1.0;     // of the sampled verdicts
    int samples = 3;              // K, when the backend returns no logprobs
    int top_logprobs = 5;         // alternatives asked for on the first token
    std::int64_t max_tokens = 4;  // per verdict
};

class StepScorer {
public:
    virtual ~StepScorer() = default;
    virtual std::string_view name() const = 0;
    // Errors come only from the judge's calls (budget_exhausted when the ledger refuses one,
    // backend failures); the checker and heuristic never fail.
    virtual asio::awaitable<Result<StepScore>> score(workers::RunServices& services,
                                                     PartialSolution partial) const = 0;
};

// "checker", "heuristic" or "judge"; invalid_input naming the scorer otherwise.
Result<std::unique_ptr<StepScorer>> make_step_scorer(std::string_view name,
                                                     JudgeOptions judge = {});

// The judge alone (judge_scorer.cpp); make_step_scorer("judge") returns it.
std::unique_ptr<StepScorer> make_judge_scorer(JudgeOptions options);

// The parts, for tests and for scorers built on them.
StepScore grade_partial(const PartialSolution& partial);  // accepted, reason; score 1 if accepted
double partial_checker_score(const tasks::Task& task, const tasks::TaskKind& kind,
                             std::string_view text);
double partial_heuristic_score(const tasks::Task& task, const tasks::TaskKind& kind,
                               std::string_view text);
std::string judge_prompt(std::string_view task_prompt, std::string_view text);
// P(yes) / (P(yes) + P(no)) over the first token and its alternatives (case and spaces ignored);
// nullopt when there are no logprobs or neither answer is among them.
std::optional<double> judge_logprob_score(const std::vector<backends::TokenLogprob>& logprobs);
// 1 for a text starting "yes", 0 for "no" (case and leading spaces ignored), else 0.5.
double judge_verdict(std::string_view text);

}  // namespace braid::verifiers
