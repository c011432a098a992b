#pragma once
// The one run loop of braid: every command that executes tasks — `solve`, `resume`, the pipeline
// runs of `braid search` and the example — creates its run with create_run and executes it with
// execute_run. execute_run solves the tasks of the run that have no outcome yet with the run's
// strategy (a planner strategy, or a pipeline: run_parts.hpp), `parallel_tasks` task lanes at
// once on one io_context, each task under its own node and budget account, the run's wall-clock
// budget a deadline for all of them; every event goes to the store, each task's end is durable
// before it counts as done, and the run is closed with its status and what it spent. `resume`
// calls it again on an interrupted run — node paths are stable, so the nodes are the same rows,
// and completions already stored are served from the store, never re-requested.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.hpp"
#include "core/log.hpp"
#include "orchestrator/run_config.hpp"
#include "planner/plan_metrics.hpp"
#include "store/store.hpp"
#include "tasks/task.hpp"

namespace braid::orchestrator {

struct TaskResult {
    std::string id;
    std::optional<store::TaskStatus> status;  // nullopt: pending (an interrupted run's task)
    std::string answer;  // normalized answer of the selected candidate
    std::size_t candidates = 0;
    std::string error;
    planner::PlanMetrics metrics;  // zero for tasks finished by an earlier execution
};

struct RunSummary {
    RunId run;
    store::RunStatus status = store::RunStatus::running;
    std::vector<TaskResult> tasks;
    Usage usage;
    double cost_usd = 0;
    Amount spent;                       // the ledger's total in this execution (every unit)
    std::size_t model_calls = 0;        // completions requested from the model in this execution
    std::size_t stored_completions = 0; // completions served from the store instead
    double wall_s = 0;
    int interrupted_by = 0;  // the signal that interrupted this execution (status interrupted)

    std::size_t count(store::TaskStatus status) const;
    int exit_code() const;
};

struct ExecuteOptions {
    bool show_progress = false;  // live progress line on stderr
};

// Stores a new run of `config` over `tasks` (each pending) with its command line; returns its id.
// The tasks are validated by the caller; nothing here fails on user input.
RunId create_run(store::Store& store, const RunConfig& config, const std::string& command_line,
                 const std::vector<tasks::Task>& tasks);

// Throws FatalError for environment failures (a backend cannot be built from the stored config).
RunSummary execute_run(store::Store& store, RunId run, const RunConfig& config, const Logger& log,
                       ExecuteOptions options);

// The stored run `run_id`; throws FatalError (not_found, naming the database) when it is absent.
store::RunRecord load_run(store::Store& store, std::int64_t run_id);

// Summary of a run from the store alone (tasks, usage), for `runs show` and finished resumes.
RunSummary summarize_stored_run(store::Store& store, RunId run);

}  // namespace braid::orchestrator
