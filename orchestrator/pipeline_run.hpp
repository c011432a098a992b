#pragma once
// Executing a pipeline (tasks/pipeline) over tasks, as a stored run: either one configuration of
// it (`braid search --online`, each trial one run) or every stage × model at its largest sample
// count (`braid search --record`, the samples offline search resamples).
//
// Stored layout (what offline search reads back; paths are stable, so resume works):
//   run config: RunConfig with strategy "pipeline", `pipeline` = the spec's JSON, and for a
//     configuration run `pipeline_config` = SearchSpace::to_json of it (null for a record run).
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
// (all models) with its largest sample count.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.hpp"
#include "core/log.hpp"
#include "orchestrator/cost_model.hpp"
#include "orchestrator/search/search_space.hpp"
#include "store/store.hpp"
#include "tasks/pipeline/pipeline_spec.hpp"
#include "tasks/task.hpp"

namespace braid::orchestrator {

struct PipelineRunOptions {
    std::uint64_t seed = 0;
    std::size_t parallel_tasks = 4;
    std::optional<SearchBudget> budget;   // a configuration run: split by BudgetAllocator
    std::string command_line;             // stored with the run
};

struct PipelineRunResult {
    RunId run;
    std::size_t tasks = 0;
    std::size_t solved = 0;
    std::size_t budget_exhausted = 0;  // tasks stopped by their share of the budget
    Amount spent;                      // the run's ledger total
    double wall_s = 0;
    double accuracy() const { return tasks == 0 ? 0.0 : static_cast<double>(solved) / static_cast<double>(tasks); }
};

// Runs `config` of `spec` on `tasks` as a new run in `store`. Throws FatalError when a model's
// backend cannot be built or a task cannot be prepared.
PipelineRunResult run_pipeline_config(store::Store& store, const tasks::pipeline::PipelineSpec& spec,
                                      const search::SearchSpace& space, const search::Config& config,
                                      const std::vector<tasks::Task>& tasks, const Logger& log,
                                      const PipelineRunOptions& options);

// One configuration spelled out stage by stage, in the spec's stage order (what
// run_pipeline_config reads from the space): generate/verify use model (a name in the spec's
// "models"), samples and iterations; select uses rule.
struct StageSetting {
    std::string model;
    int samples = 1;
    int iterations = 1;
    std::string rule;
};

// run_pipeline_config with the configuration already resolved; the same run and layout.
PipelineRunResult run_pipeline_settings(store::Store& store, const tasks::pipeline::PipelineSpec& spec,
                                        const std::vector<StageSetting>& settings,
                                        const std::vector<tasks::Task>& tasks, const Logger& log,
                                        const PipelineRunOptions& options);

// Records every stage × model of `spec` on `tasks` (layout above) as a new run; returns its id.
PipelineRunResult record_pipeline(store::Store& store, const tasks::pipeline::PipelineSpec& spec,
                                  const std::vector<tasks::Task>& tasks, const Logger& log,
                                  const PipelineRunOptions& options);

}  // namespace braid::orchestrator
