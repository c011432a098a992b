#pragma once
// One task as read from a JSONL file: its id, its kind ("countdown", ...) and the whole JSON row,
// which the kind interprets. Plain data; the kind's validate() checks the fields it needs.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace braid::tasks {

struct Task {
    std::string id;
    std::string kind;
    nlohmann::json input;  // the whole row, `id` and `kind` included
};

// "task 'cd-1'": how errors name a task.
std::string describe(const Task& task);

// The field `key` of the task's row, or an invalid_input error naming the task and the field.
Result<const nlohmann::json*> field(const Task& task, std::string_view key);

}  // namespace braid::tasks
