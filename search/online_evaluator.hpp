#pragma once
// Live evaluation of a pipeline configuration: each trial is a stored run of the pipeline over the
// dev tasks (a seeded prefix of them at fidelity < 1), with the search budget — scaled to the
// tasks run — split by the run-time allocator and enforced by the ledger. The run itself is the
// orchestrator's (its one run loop), handed in as a PipelineRunner. Accuracy is the run's solved
// fraction; cost is what its ledger spent, scaled to every dev task. cost() is the spec's planned
// cost (planned_cost.hpp), so a configuration is refused before it runs when its plan is over
// budget.

#include <cstdint>
#include <functional>
#include <vector>

#include "search/cost_model.hpp"
#include "search/pipeline_strategy.hpp"
#include "search/trial.hpp"
#include "tasks/task.hpp"

namespace braid::search {

// Runs `settings` of the pipeline on `tasks` under `budget` as a new stored run. Throws
// FatalError as the run does.
using PipelineRunner = std::function<PipelineRunResult(const std::vector<StageSetting>& settings,
                                                       const std::vector<tasks::Task>& tasks,
                                                       const SearchBudget& budget)>;

class OnlineEvaluator final : public Evaluator {
public:
    // Borrowed: the spec and space outlive the evaluator. `seed` orders the tasks for fidelities.
    OnlineEvaluator(const PipelineSpec& spec, const SearchSpace& space, std::vector<tasks::Task> tasks,
                    SearchBudget budget, std::uint64_t seed, PipelineRunner run);

    double cost(const Config& config) const override;
    Evaluation evaluate(const Config& config, double fidelity) override;

    const std::vector<RunId>& runs() const { return runs_; }  // one per trial, in order

private:
    const PipelineSpec& spec_;
    const SearchSpace& space_;
    std::vector<tasks::Task> tasks_;
    SearchBudget budget_;
    PipelineRunner run_;
    std::vector<std::size_t> order_;
    std::vector<RunId> runs_;
};

}  // namespace braid::search
