#include "tasks/task.hpp"

namespace braid::tasks {

std::string describe(const Task& task) { return "task '" + task.id + "'"; }

Result<const nlohmann::json*> field(const Task& task, std::string_view key) {
    if (!task.input.is_object())
        return make_error(ErrorCode::invalid_input, describe(task) + ": row is not a JSON object");
    auto it = task.input.find(key);
    if (it == task.input.end())
        return make_error(ErrorCode::invalid_input,
                          describe(task) + ": missing field '" + std::string(key) + "'");
    return &*it;
}

}  // namespace braid::tasks
