#pragma once
// Live evaluation of a pipeline configuration: each trial is a stored run of the pipeline
// (pipeline_run.hpp) over the dev tasks (a seeded prefix of them at fidelity < 1), with the search
// budget — scaled to the tasks run — split by the run-time allocator and enforced by the ledger.
// Accuracy is the run's solved fraction; cost is what its ledger spent, scaled to every dev task.
// cost() is the spec's planned cost (planned_cost.hpp), so a configuration is refused before it
// runs when its plan is over budget.

#include <cstdint>
#include <vector>

#include "orchestrator/cost_model.hpp"
#include "orchestrator/pipeline_run.hpp"
#include "orchestrator/search/trial.hpp"

namespace braid::orchestrator::search {

class OnlineEvaluator final : public Evaluator {
public:
    // Borrowed: the store, spec, space and log outlive the evaluator.
    OnlineEvaluator(store::Store& store, const tasks::pipeline::PipelineSpec& spec, const SearchSpace& space,
                    std::vector<tasks::Task> tasks, SearchBudget budget, const Logger& log, PipelineRunOptions options);

    double cost(const Config& config) const override;
    Evaluation evaluate(const Config& config, double fidelity) override;

    const std::vector<RunId>& runs() const { return runs_; }  // one per trial, in order

private:
    store::Store& store_;
    const tasks::pipeline::PipelineSpec& spec_;
    const SearchSpace& space_;
    std::vector<tasks::Task> tasks_;
    SearchBudget budget_;
    const Logger& log_;
    PipelineRunOptions options_;
    std::vector<std::size_t> order_;
    std::vector<RunId> runs_;
};

}  // namespace braid::orchestrator::search
