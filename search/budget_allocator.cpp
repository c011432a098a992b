#include "search/budget_allocator.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace braid::search {

namespace {

// An account limit in `unit` alone; every other unit stays unlimited.
Amount limit_in(BudgetUnit unit, double amount) {
    Amount limit = Amount::unlimited();
    limit[unit] = std::max(0.0, amount);
    return limit;
}

}  // namespace

BudgetAllocator::BudgetAllocator(Ledger& ledger, Ledger::AccountId parent, BudgetUnit unit, double budget,
                                 std::size_t tasks, std::vector<double> stage_weights)
    : ledger_(ledger), parent_(parent), unit_(unit), budget_(budget), tasks_(tasks), weights_(std::move(stage_weights)) {
    BRAID_ASSERT(budget_ >= 0, "a budget is not negative");
    for (double w : weights_) BRAID_ASSERT(w >= 0, "stage weights are not negative");
}

double BudgetAllocator::unallocated() const {
    // A started task holds its limit; a finished one's limit already shrank to what it spent (an
    // overdraft, settled above its reservation, counts as spent).
    double committed = 0;
    for (const TaskShare& t : opened_)
        committed += std::max(ledger_.limit(t.account)[unit_], ledger_.spent(t.account)[unit_] + ledger_.held(t.account)[unit_]);
    return std::max(0.0, budget_ - committed);
}

Ledger::AccountId BudgetAllocator::open_task(std::string label, std::optional<Ledger::AccountId> within) {
    // More tasks than announced share nothing with anyone: the last one takes what is left.
    const std::size_t waiting = tasks_ > opened_.size() ? tasks_ - opened_.size() : 1;
    const double share = unallocated() / static_cast<double>(waiting);
    TaskShare t;
    t.account = ledger_.open(within.value_or(parent_), std::move(label), limit_in(unit_, share));
    t.stage_opened.assign(weights_.size(), false);
    opened_.push_back(std::move(t));
    return opened_.back().account;
}

BudgetAllocator::TaskShare& BudgetAllocator::share_of(Ledger::AccountId task) {
    auto it = std::find_if(opened_.begin(), opened_.end(), [&](const TaskShare& t) { return t.account == task; });
    BRAID_ASSERT(it != opened_.end(), "a task account of this allocator");
    return *it;
}

Ledger::AccountId BudgetAllocator::open_stage(Ledger::AccountId task, std::size_t stage, std::string label) {
    TaskShare& t = share_of(task);
    BRAID_ASSERT(stage < weights_.size(), "a stage of the pipeline");
    BRAID_ASSERT(!t.stage_opened[stage], "each stage opens once per task");
    BRAID_ASSERT(!t.finished, "stages open before their task finishes");
    // The room is what the task has neither spent nor holds: a pipeline opens its stages one
    // after another, so what an earlier stage left unused passes on to the later ones.
    const double room = ledger_.limit(task)[unit_] - ledger_.spent(task)[unit_] - ledger_.held(task)[unit_];
    double rest = 0;
    std::size_t unopened = 0;
    for (std::size_t s = 0; s < weights_.size(); ++s) {
        if (t.stage_opened[s]) continue;
        rest += weights_[s];
        ++unopened;
    }
    const double fraction = rest > 0 ? weights_[stage] / rest : 1.0 / static_cast<double>(unopened);
    t.stage_opened[stage] = true;
    return ledger_.open(task, std::move(label), limit_in(unit_, room * fraction));
}

void BudgetAllocator::finish_task(Ledger::AccountId task) {
    TaskShare& t = share_of(task);
    if (t.finished) return;
    t.finished = true;
    Amount limit = ledger_.limit(task);
    // Held amounts stay covered: a reservation still open settles within the new limit.
    limit[unit_] = ledger_.spent(task)[unit_] + ledger_.held(task)[unit_];
    ledger_.set_limit(task, limit);
}

}  // namespace braid::search
