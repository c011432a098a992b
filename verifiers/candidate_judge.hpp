#pragma once
// The execution-free judge of a finished candidate (reference §3.1 "execution-free", §8b item 5):
// a model reads the problem, the candidate (an answer, or a patch) and optionally the tail of the
// trajectory that produced it, and answers whether it is correct. Score in [0, 1]: the normalized
// P(yes) of its first token when the backend returns logprobs (judge_logprob_score), else the mean
// of `samples` sampled verdicts (judge_verdict: yes 1, no 0, anything else 0.5).
//
// Each call is a node of kind "judge" at "<subject.path>/judge<k>" below subject.parent, drawing
// on subject.account, so its tokens and cost are on the ledger like any thread's.

#include <string>

#include <asio/awaitable.hpp>

#include "core/budget.hpp"
#include "core/message.hpp"
#include "workers/thread_context.hpp"

namespace braid::verifiers {

struct CandidateJudgeOptions {
    int samples = 3;              // verdicts sampled when there are no logprobs
    std::int64_t max_tokens = 8;  // per verdict
    double temperature = 1.0;     // for sampled verdicts (the logprob call is the same request)
    int top_logprobs = 5;
    std::size_t trajectory_chars = 4000;  // tail of the trajectory shown (0: none)
};

struct JudgeSubject {
    NodeId parent;                  // judge nodes hang below it (the candidate's node, or a verify node)
    std::string path;               // its stable path; seeds derive from "<path>/judge<k>"
    Ledger::AccountId account = 0;
    std::string problem;            // what was asked (the task's prompt or problem statement)
    std::string candidate;          // the answer or patch judged
    std::string trajectory;         // how it was reached ("" = not shown)
};

struct JudgeResult {
    double score = 0;        // in [0, 1]
    int calls = 0;
    Usage usage;             // summed over the calls
    double cost_usd = 0;     // summed over the calls
    bool from_logprobs = false;
    std::string details_json;  // {"logprobs": bool, "verdicts": [...], "score": x}
};

std::string candidate_judge_prompt(const JudgeSubject& subject, std::size_t trajectory_chars);

// Errors: the judge's calls failing (budget_exhausted when the ledger refuses one).
asio::awaitable<Result<JudgeResult>> judge_candidate(workers::RunServices& services, JudgeSubject subject,
                                                     CandidateJudgeOptions options = {});

}  // namespace braid::verifiers
