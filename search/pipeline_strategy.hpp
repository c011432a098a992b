#pragma once
// A pipeline (pipeline_spec.hpp) as the strategy of a run: on each task it runs either one
// configuration of the pipeline (`braid search --online`: each trial one run) or every stage ×
// model at its largest sample count (`braid search --record`: the samples offline search
// resamples). The run itself — the stored run, the task lanes, the deadline, the task node and its
// end — is the orchestrator's one run loop; this strategy is what a pipeline does per task.
//
// Stored layout (what offline search reads back; paths are stable, so resume works):
//   run config: RunConfig with strategy "pipeline", `pipeline` = the spec's JSON, and for a
//     configuration run `pipeline_config` = settings_json of it (null for a record run).
//   t/<task>                                   the task node
//   t/<task>/<gen>/<model>/t<iterations>       a generate stage's scope: the stage's strategy
//                                              (spec "strategy") runs here with that model; its
//                                              samples are candidates (checker/oracle, length and
//                                              confidence verdicts) on nodes .../s<k>
//   <candidate path>/<verify>@<model>          a verify stage's judge subject for one distinct
//                                              candidate key (the first candidate holding it):
//                                              judge nodes .../judge<k>, and a "judge" verdict on
//                                              that candidate whose details hold {"stage", "model",
//                                              "verdicts": [per call 1/0/0.5], "logprobs", "score"}
//   a configuration run ends each task with the select stage's rule applied to the generate
//   candidates (every candidate of a key shares its judge score); the task's outcome is solved
//   when the chosen candidate is correct (oracle, else checker).
// Record runs: each generate stage × model × iteration cap with the stage's largest sample
// count; each verify stage × model judging every distinct key of its generate stage's candidates
// (all models) with its largest sample count. A record task is solved when some candidate is.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/budget.hpp"
#include "core/ids.hpp"
#include "planner/strategy.hpp"
#include "search/budget_allocator.hpp"
#include "search/pipeline_spec.hpp"
#include "search/pipeline_stages.hpp"
#include "search/search_space.hpp"

namespace braid::search {

// One configuration spelled out stage by stage, in the spec's stage order: generate/verify use
// model (a name in the spec's "models"), samples and iterations; select uses rule.
struct StageSetting {
    std::string model;
    int samples = 1;
    int iterations = 1;
    std::string rule;
};

// What a pipeline run (a configuration or a record, over some tasks) came to.
struct PipelineRunResult {
    RunId run;
    std::size_t tasks = 0;
    std::size_t solved = 0;
    std::size_t budget_exhausted = 0;  // tasks stopped by their share of the budget
    Amount spent;                      // the run's ledger total
    double wall_s = 0;
    double accuracy() const { return tasks == 0 ? 0.0 : static_cast<double>(solved) / static_cast<double>(tasks); }
};

// {"generate": {"model": "small", "samples": 4, "iterations": 1}, "select": {"rule": "majority"}}
nlohmann::json settings_json(const PipelineSpec& spec, const std::vector<StageSetting>& settings);
// The inverse of settings_json; errors (invalid_input) name the stage at fault.
Result<std::vector<StageSetting>> settings_from_json(const PipelineSpec& spec, const nlohmann::json& j);
// The settings `config` of `space` stands for; errors when it does not fit the spec's stages.
Result<std::vector<StageSetting>> settings_of(const PipelineSpec& spec, const SearchSpace& space,
                                              const Config& config);
// Checks settings against the spec: one per stage, known models, known rules; and that every
// generate stage's strategy can be built. `settings` null checks a record run.
Result<void> check_settings(const PipelineSpec& spec, const std::vector<StageSetting>* settings);

// The allocator's weight of each stage: its planned cost in `unit` (cost_model.hpp: planned calls
// × the stage's expected tokens on its model's prices or architecture); when some stage's model
// costs nothing in that unit, every stage is weighted by its planned tokens instead. Select
// stages spend nothing.
std::vector<double> stage_weights(const PipelineSpec& spec, const std::vector<StageSetting>& settings, BudgetUnit unit);

class PipelineStrategy final : public planner::Strategy {
public:
    // `settings` nullopt: a record run. `models`: a runtime for every model the spec's stages
    // name, each recording through the run's recorder and drawing on the run's ledger. `allocator`
    // (a configuration run with a budget): each task's share and its stages' shares.
    PipelineStrategy(const PipelineSpec& spec, std::optional<std::vector<StageSetting>> settings,
                     std::map<std::string, ModelRuntime> models, std::optional<BudgetAllocator> allocator);

    std::string_view name() const override { return "pipeline"; }
    // The select stage's rule (a record run and a pipeline without a select stage: majority).
    std::string_view selection_rule() const override;
    asio::awaitable<planner::TaskOutcome> solve(workers::RunServices& services, planner::TaskScope scope) override;

private:
    asio::awaitable<planner::TaskOutcome> run_configured(planner::TaskScope scope);
    asio::awaitable<planner::TaskOutcome> run_record(planner::TaskScope scope);
    Ledger::AccountId stage_account(const planner::TaskScope& scope, std::size_t stage);

    const PipelineSpec& spec_;
    std::optional<std::vector<StageSetting>> settings_;
    std::map<std::string, ModelRuntime> models_;
    std::optional<BudgetAllocator> allocator_;
};

}  // namespace braid::search
