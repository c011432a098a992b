#pragma once
// The stages of a pipeline on one task (pipeline_strategy.hpp): a generate stage is the spec's
// strategy with one model at one scope; a verify stage judges each distinct candidate key once.
// Coroutines run on the run's io_context; every pointer argument is borrowed from the run, which
// outlives them.

#include <memory>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>

#include "backends/stored/stored_backend.hpp"
#include "planner/strategy.hpp"
#include "search/pipeline_spec.hpp"
#include "verifiers/candidate.hpp"
#include "workers/thread_context.hpp"

namespace braid::search {

// One model of the spec as the run calls it: its backend, recorded through the store (so a
// completion is never requested twice), and the services its calls draw on.
struct ModelRuntime {
    const ModelSpec* spec = nullptr;
    std::unique_ptr<backends::Backend> backend;  // null for replay
    std::unique_ptr<backends::StoredBackend> stored;
    std::unique_ptr<workers::RunServices> services;
};

// What a stage left for the task: candidates (generate), and whether the ledger refused a call.
struct StageResult {
    std::vector<verifiers::Candidate> candidates;
    bool budget_refused = false;
    std::string error;  // the last failure other than a budget refusal
};

// The strategy options a generate stage runs with: n samples, t iterations (refine rounds,
// agent steps), the stage's max_tokens.
planner::StrategyOptions generate_options(const StageSpec& stage, int samples, int iterations);

// "t/<task>/<gen>/<model>/t<iterations>"
std::string generate_path(const std::string& task_path, const StageSpec& stage,
                          const std::string& model, int iterations);

// Runs the stage's strategy with `model` below `task` on `account`; its candidates come back.
asio::awaitable<StageResult> run_generate(const StageSpec* stage, ModelRuntime* model,
                                          int samples, int iterations, planner::TaskScope task,
                                          Ledger::AccountId account);

// Judges each distinct non-empty key of *candidates once (its first holder) with `samples` calls
// of `model`, at "<candidate path>/<stage>@<model>", and stores `verifier`'s verdict on that
// candidate with details {"stage", "model", "verdicts", "logprobs", "score", ...}; every candidate
// of the key gets the score in its scores. samples = 0 judges nothing.
asio::awaitable<StageResult> run_verify(const StageSpec* stage, ModelRuntime* model, int samples,
                                        std::string verifier, planner::TaskScope task, Ledger::AccountId account,
                                        std::vector<verifiers::Candidate>* candidates);

}  // namespace braid::search
