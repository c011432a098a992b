#include "search/online_evaluator.hpp"

#include "core/hash.hpp"
#include "search/planned_cost.hpp"
#include "search/task_subsets.hpp"

namespace braid::search {

OnlineEvaluator::OnlineEvaluator(const PipelineSpec& spec, const SearchSpace& space, std::vector<tasks::Task> tasks,
                                 SearchBudget budget, std::uint64_t seed, PipelineRunner run)
    : spec_(spec), space_(space), tasks_(std::move(tasks)), budget_(budget), run_(std::move(run)) {
    order_ = draw_indices(tasks_.size(), tasks_.size(), derive_seed(seed, "fidelity-order"));
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

    auto settings = settings_of(spec_, space_, config);
    if (!settings) throw FatalError(std::move(settings).error());
    PipelineRunResult result = run_(*settings, subset, SearchBudget{budget_.unit, budget_.amount * share});
    runs_.push_back(result.run);
    e.accuracy = result.accuracy();
    // The ledger keeps wall time as a deadline, not a quantity: the run's own duration is its cost.
    const double spent = budget_.unit == BudgetUnit::wall_s ? result.wall_s : result.spent[budget_.unit];
    e.cost = spent / share;
    return e;
}

}  // namespace braid::search
