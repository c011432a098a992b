#pragma once
// The run-time budget allocator (DESIGN.md §3.5, issue 8): a pipeline run's total budget in one
// unit is split across its tasks and, within a task, across its stages; what a task leaves unused
// when it finishes goes back to the pool the tasks after it share. Shares become ledger account
// limits, so the ledger (reserve worst case, settle actual) is what enforces them: spend never
// exceeds the run's budget because every task account is opened with at most what is left
// unallocated, and every stage account with at most what its task has left.
//
// Shares: a task opened while `waiting` tasks (itself included) have not started gets
// pool / waiting, where pool = budget − what started tasks hold (their limits, or, once finished,
// what they spent). A task's stage gets the task's remaining room × weight(stage) / Σ weights of
// the stages not yet opened, the weights being the stages' planned costs (cost_model.hpp).
// Single-threaded, like the ledger.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.hpp"

namespace braid::search {

class BudgetAllocator {
public:
    // `parent`: the run's account (its own limit may be looser; the allocator never hands out more
    // than `budget` in `unit`). `stage_weights`: one non-negative weight per stage (all zero = equal).
    BudgetAllocator(Ledger& ledger, Ledger::AccountId parent, BudgetUnit unit, double budget, std::size_t tasks,
                    std::vector<double> stage_weights);

    // Opens the next task's account with its share as limit in the allocator's unit, as a child of
    // `within` (default: the allocator's parent; else an unlimited descendant of it, such as the
    // task's own account in the run).
    Ledger::AccountId open_task(std::string label, std::optional<Ledger::AccountId> within = std::nullopt);
    // Opens stage `stage` of `task` (each stage at most once per task) with its share as limit.
    Ledger::AccountId open_stage(Ledger::AccountId task, std::size_t stage, std::string label);
    // The task is done: its limit shrinks to what it spent, and the rest returns to the pool.
    void finish_task(Ledger::AccountId task);

    double budget() const { return budget_; }
    double unallocated() const;  // what tasks not yet opened will share
    BudgetUnit unit() const { return unit_; }

private:
    struct TaskShare {
        Ledger::AccountId account = 0;
        std::vector<bool> stage_opened;
        bool finished = false;
    };
    TaskShare& share_of(Ledger::AccountId task);

    Ledger& ledger_;
    Ledger::AccountId parent_;
    BudgetUnit unit_;
    double budget_;
    std::size_t tasks_;
    std::vector<double> weights_;
    std::vector<TaskShare> opened_;
};

}  // namespace braid::search
