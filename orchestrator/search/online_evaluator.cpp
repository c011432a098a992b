#include "orchestrator/search/online_evaluator.hpp"

#include "core/hash.hpp"
#include "orchestrator/search/planned_cost.hpp"
#include "orchestrator/search/task_subsets.hpp"

namespace braid::orchestrator::search {

OnlineEvaluator::OnlineEvaluator(store::Store& store, const tasks::pipeline::PipelineSpec& spec,
                                 const SearchSpace& space, std::vector<tasks::Task> tasks, SearchBudget budget,
                                 const Logger& log, PipelineRunOptions options)
    : store_(store), spec_(spec), space_(space), tasks_(std::move(tasks)), budget_(budget), log_(log),
      options_(std::move(options)) {
    order_ = draw_indices(tasks_.size(), tasks_.size(), derive_seed(options_.seed, "fidelity-order"));
}

double OnlineEvaluator::cost(const Config& config) const {
    return planned_task_cost(spec_, space_, config)[budget_.unit] * static_cast<double>(tasks_.size());
}

Evaluation OnlineEvaluator::evaluate(const Config& config, double fidelity) {
    Evaluation e;
    if (tasks_.empty()) return e;
    const std::size_t count = fidelity_count(fidelity, tasks_.size());
    std::vector<tasks::Task> subset;
    for (std::size_t i = 0; i < count; ++i) subset.push_back(tasks_[order_[i]]);
    const double share = static_cast<double>(count) / static_cast<double>(tasks_.size());

    PipelineRunOptions options = options_;
    options.budget = SearchBudget{budget_.unit, budget_.amount * share};
    PipelineRunResult result = run_pipeline_config(store_, spec_, space_, config, subset, log_, options);
    runs_.push_back(result.run);
    e.accuracy = result.accuracy();
    // The ledger keeps wall time as a deadline, not a quantity: the run's own duration is its cost.
    const double spent = budget_.unit == BudgetUnit::wall_s ? result.wall_s : result.spent[budget_.unit];
    e.cost = spent / share;
    return e;
}

}  // namespace braid::orchestrator::search
