#pragma once
// The samples a `braid search --record` run stored (layout in orchestrator/pipeline_run.hpp), per
// task, stage, model and iteration cap, as offline search resamples them: each generate sample's
// clustering key, verdict scores and what it cost; each verify stage's judge verdicts per distinct
// key and what one judge call cost. Blocking store reads: call from a command.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/budget.hpp"
#include "search/pipeline_spec.hpp"
#include "store/store.hpp"

namespace braid::search {

struct StoredSample {
    std::string key;                       // normalized answer or patch ("" = no answer)
    std::map<std::string, double> scores;  // verifier → score (checker, oracle, length, confidence, ...)
    std::int64_t completion_tokens = 0;
    Amount cost;                           // its calls, every unit (usd as billed; wall_s its calls' time)
};

struct StoredJudgement {
    bool logprobs = false;       // one call whose score is fixed
    double score = 0;            // the stored score (with logprobs: the only one)
    std::vector<double> verdicts;  // sampled verdicts, one per call (without logprobs)
    Amount cost_per_call;
};

struct TaskSamples {
    std::string task_id;
    // "<generate stage>/<model>/t<iterations>" → samples in creation order
    std::map<std::string, std::vector<StoredSample>> generated;
    // "<verify stage>/<model>" → key → judgement
    std::map<std::string, std::map<std::string, StoredJudgement>> judged;
};

struct PipelineSamples {
    RunId run;
    search::PipelineSpec spec;
    std::vector<TaskSamples> tasks;  // in the store's task order
};

std::string generated_key(std::string_view stage, std::string_view model, int iterations);
std::string judged_key(std::string_view stage, std::string_view model);

// The record run `run_id`. Throws FatalError: not_found when absent; invalid_input when it is not
// a pipeline record run (naming what it is) or its stored spec does not parse.
PipelineSamples load_pipeline_samples(store::Store& store, std::int64_t run_id);

// The newest pipeline record run in the store whose spec is named `pipeline_name`; 0 when none.
std::int64_t latest_record_run(store::Store& store, const std::string& pipeline_name);

}  // namespace braid::search
