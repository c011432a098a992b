#pragma once
// A Strategy grows one task's part of the DAG: it spawns threads, joins them, runs verifiers and
// picks an answer. It runs as a coroutine on the run's orchestration executor; every node it makes
// is recorded through RunServices::recorder, and every model call draws on the task's budget account.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "core/budget.hpp"
#include "planner/plan_metrics.hpp"
#include "planner/strategy_options.hpp"
#include "tasks/task_kind.hpp"
#include "verifiers/verdict_recorder.hpp"
#include "workers/thread_context.hpp"

namespace braid::planner {

// One task's place in the DAG. The task and kind are owned by the run and outlive the strategy.
struct TaskScope {
    const tasks::Task* task = nullptr;
    const tasks::TaskKind* kind = nullptr;
    NodeId node;                  // the task's node; the strategy's nodes hang below it
    std::string path;             // stable path of that node, e.g. "t/cd-1"
    Ledger::AccountId account = 0;
};

// The candidates, selection and status (recorded by verifiers::VerdictRecorder), and the plan.
struct TaskOutcome : verifiers::TaskVerdict {
    PlanMetrics metrics;
};

// Where the strategy working on `scope` records its candidates, verdicts and selection.
inline verifiers::VerdictRecorder verdict_recorder(workers::RunServices& services, const TaskScope& scope) {
    return verifiers::VerdictRecorder(services.recorder, *scope.task, *scope.kind, scope.node, scope.path);
}

class Strategy {
public:
    virtual ~Strategy() = default;
    virtual std::string_view name() const = 0;
    // The selection rule (verifiers::select_by_rule) that `replay` re-applies to stored candidates.
    virtual std::string_view selection_rule() const = 0;
    virtual asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) = 0;
};

// Errors (invalid_input): an unknown name, options out of range (StrategyOptions::validate), or a
// strategy's own setup failing (e.g. an unreadable --tools file).
Result<std::unique_ptr<Strategy>> make_strategy(std::string_view name, StrategyOptions options);
std::vector<std::string> strategy_names();
// The selection rule of a strategy by name (for replay, which builds no strategy): options.verifier
// when the strategy takes one and it is set, else the strategy's own rule.
Result<std::string> selection_rule_of(std::string_view strategy_name, const StrategyOptions& options = {});

}  // namespace braid::planner
