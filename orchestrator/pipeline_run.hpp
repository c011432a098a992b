#pragma once
// Pipeline runs of `braid search`: a configuration of a pipeline (`--online`, each trial one run)
// or a record of every stage × model (`--record`) over tasks, as a stored run of the one run loop
// (run_executor.hpp) whose strategy is a search::PipelineStrategy (layout: search/pipeline_strategy.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.hpp"
#include "core/log.hpp"
#include "search/cost_model.hpp"
#include "search/pipeline_spec.hpp"
#include "search/pipeline_strategy.hpp"
#include "store/store.hpp"
#include "tasks/task.hpp"

namespace braid::orchestrator {

struct PipelineRunOptions {
    std::uint64_t seed = 0;
    std::size_t parallel_tasks = 4;
    std::optional<search::SearchBudget> budget;  // a configuration run: split by BudgetAllocator
    std::string command_line;                    // stored with the run
};

// Runs `settings` of `spec` on `tasks` as a new run in `store`. Throws FatalError when a setting
// does not fit the spec, a task cannot be prepared, or a model's backend cannot be built.
search::PipelineRunResult run_pipeline_settings(store::Store& store, const search::PipelineSpec& spec,
                                                const std::vector<search::StageSetting>& settings,
                                                const std::vector<tasks::Task>& tasks, const Logger& log,
                                                const PipelineRunOptions& options);

// run_pipeline_settings with the settings that `config` of `space` stands for.
search::PipelineRunResult run_pipeline_config(store::Store& store, const search::PipelineSpec& spec,
                                              const search::SearchSpace& space, const search::Config& config,
                                              const std::vector<tasks::Task>& tasks, const Logger& log,
                                              const PipelineRunOptions& options);

// Records every stage × model of `spec` on `tasks` as a new run (never budgeted).
search::PipelineRunResult record_pipeline(store::Store& store, const search::PipelineSpec& spec,
                                          const std::vector<tasks::Task>& tasks, const Logger& log,
                                          const PipelineRunOptions& options);

}  // namespace braid::orchestrator
