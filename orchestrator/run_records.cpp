#include "orchestrator/run_records.hpp"

namespace braid::orchestrator {

void store_task_end(store::RunRecorder& recorder, NodeId task_node, const tasks::Task& task,
                    planner::TaskStatus status, const std::string& answer, NodeId selected, const std::string& error,
                    nlohmann::json details) {
    const std::string outcome(planner::to_string(status));
    store::TaskRecord record;
    record.run = recorder.run();
    record.task_id = task.id;
    record.kind = task.kind;
    record.input_json = task.input.dump();
    record.outcome = outcome;
    record.answer = answer;
    record.selected_node = selected;
    recorder.store().put_task(record);
    const char* node_status = status == planner::TaskStatus::failed             ? "failed"
                              : status == planner::TaskStatus::budget_exhausted ? "skipped"
                                                                                : "finished";
    details["outcome"] = outcome;
    details["answer"] = answer;
    details["error"] = error;
    recorder.set_status(task_node, node_status, details.dump());
}

std::string spent_json(const Amount& spent) {
    nlohmann::json j{{"tokens", spent[BudgetUnit::tokens]},
                     {"usd", spent[BudgetUnit::usd]},
                     {"samples", spent[BudgetUnit::samples]}};
    if (spent[BudgetUnit::flops] > 0) j["flops"] = spent[BudgetUnit::flops];
    if (spent[BudgetUnit::bytes] > 0) j["bytes"] = spent[BudgetUnit::bytes];
    return j.dump();
}

}  // namespace braid::orchestrator
