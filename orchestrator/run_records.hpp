#pragma once
// What every executor (run_executor, pipeline_run) writes the same way.
//
// store_task_end: how a finished task is stored: its row in
// `tasks` (outcome, answer, selected candidate) and its node's final status — "finished", "failed",
// or "skipped" when the budget stopped it — whose details are `details` plus outcome, answer and
// error. The caller flushes the recorder before counting the task as done.

#include <string>

#include <nlohmann/json.hpp>

#include "core/budget.hpp"
#include "core/ids.hpp"
#include "planner/strategy.hpp"
#include "store/run_recorder.hpp"
#include "tasks/task.hpp"

namespace braid::orchestrator {

void store_task_end(store::RunRecorder& recorder, NodeId task_node, const tasks::Task& task,
                    planner::TaskStatus status, const std::string& answer, NodeId selected, const std::string& error,
                    nlohmann::json details);

// A run's `spent` column: tokens, usd and samples, and flops and bytes when the run spent any.
std::string spent_json(const Amount& spent);

}  // namespace braid::orchestrator
