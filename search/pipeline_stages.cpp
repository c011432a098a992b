#include "search/pipeline_stages.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include "core/assert.hpp"
#include "core/async.hpp"
#include "core/json_text.hpp"
#include "planner/strategy.hpp"
#include "verifiers/candidate_judge.hpp"

namespace braid::search {

namespace {



// The sampling strategies report how many threads the ledger let start (PlanMetrics::threads);
// fewer than asked means some were refused.
bool counts_started_threads(std::string_view strategy) {
    return strategy == "best-of-n" || strategy == "self-consistency" || strategy == "first-finish";
}

const std::string& node_path(workers::RunServices& services, NodeId node) {
    const store::NodeRecord* record = services.recorder.node(node);
    BRAID_ASSERT(record != nullptr, "a candidate's node is recorded");
    return record->path;
}

}  // namespace

planner::StrategyOptions generate_options(const StageSpec& stage, int samples, int iterations) {
    planner::StrategyOptions o;
    o.samples = samples;
    o.max_tokens = stage.max_tokens;
    o.rounds = iterations;
    o.agent_steps = iterations;
    return o;
}

std::string generate_path(const std::string& task_path, const StageSpec& stage, const std::string& model,
                          int iterations) {
    return task_path + "/" + stage.name + "/" + model + "/t" + std::to_string(iterations);
}

asio::awaitable<StageResult> run_generate(const StageSpec* stage, ModelRuntime* model, int samples, int iterations,
                                          planner::TaskScope task, Ledger::AccountId account) {
    StageResult result;
    auto strategy = planner::make_strategy(stage->strategy, generate_options(*stage, samples, iterations));
    if (!strategy) {  // checked when the run starts; a failure here is an error of this stage
        result.error = strategy.error().describe();
        co_return result;
    }
    workers::RunServices& services = *model->services;
    planner::TaskScope scope = task;
    scope.path = generate_path(task.path, *stage, model->spec->name, iterations);
    scope.node = services.recorder.create_node(
        task.node, scope.path, store::NodeKind::stage,
        stage->name + " " + model->spec->name + " x" + std::to_string(samples));
    scope.account = account;
    services.recorder.set_status(scope.node, store::NodeStatus::running);
    planner::TaskOutcome outcome = co_await (*strategy)->solve(services, scope);
    result.budget_refused =
        outcome.status == store::TaskStatus::budget_exhausted ||
        (counts_started_threads(stage->strategy) && outcome.metrics.threads < samples);
    if (outcome.status == store::TaskStatus::failed) result.error = outcome.error;
    services.recorder.set_status(
        scope.node, store::NodeStatus::finished,
        json_text(nlohmann::json{{"candidates", outcome.candidates.size()},
                                 {"status", std::string(store::to_string(outcome.status))}}));
    result.candidates = std::move(outcome.candidates);
    co_return result;
}

asio::awaitable<StageResult> run_verify(const StageSpec* stage, ModelRuntime* model, int samples, std::string verifier,
                                        planner::TaskScope task, Ledger::AccountId account,
                                        std::vector<verifiers::Candidate>* candidates) {
    StageResult result;
    if (samples <= 0) co_return result;
    workers::RunServices& services = *model->services;
    const std::string problem = task.kind->prompt(*task.task);

    // The first holder of each distinct key, in candidate order (seed-stable).
    std::map<std::string, std::size_t> first_of;
    std::vector<std::size_t> judged;
    for (std::size_t i = 0; i < candidates->size(); ++i) {
        const std::string& key = (*candidates)[i].normalized;
        if (key.empty() || first_of.count(key) > 0) continue;
        first_of[key] = i;
        judged.push_back(i);
    }

    verifiers::CandidateJudgeOptions options;
    options.samples = samples;
    options.max_tokens = stage->max_tokens;
    std::vector<asio::awaitable<Result<verifiers::JudgeResult>>> calls;
    for (std::size_t i : judged) {
        const verifiers::Candidate& c = (*candidates)[i];
        verifiers::JudgeSubject subject;
        subject.parent = c.node;
        subject.path = node_path(services, c.node) + "/" + stage->name + "@" + model->spec->name;
        subject.account = account;
        subject.problem = problem;
        subject.candidate = c.output;
        calls.push_back(verifiers::judge_candidate(services, std::move(subject), options));
    }
    std::vector<Result<verifiers::JudgeResult>> verdicts = co_await async::when_all(std::move(calls));

    for (std::size_t j = 0; j < judged.size(); ++j) {
        Result<verifiers::JudgeResult>& v = verdicts[j];
        if (!v) {
            if (v.error().code == ErrorCode::budget_exhausted)
                result.budget_refused = true;
            else if (v.error().code != ErrorCode::cancelled)
                result.error = v.error().describe();
            continue;
        }
        nlohmann::json details = nlohmann::json::parse(v->details_json, nullptr, false);
        if (!details.is_object()) details = nlohmann::json::object();
        details["stage"] = stage->name;
        details["model"] = model->spec->name;
        verifiers::Candidate& first = (*candidates)[judged[j]];
        planner::verdict_recorder(services, task)
            .record_verdict(first, verifier, v->score, v->cost_usd, json_text(details));
        for (verifiers::Candidate& c : *candidates)
            if (c.normalized == first.normalized) c.scores[verifier] = v->score;
    }
    co_return result;
}

}  // namespace braid::search
