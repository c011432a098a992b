#pragma once
// A Countdown problem: reach `target` from `numbers` with + - * / (rules.hpp), each number used
// once. Rows look like {"id": "cd-1", "kind": "countdown", "numbers": [22, 26, 31, 53], "target":
// 27}.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "tasks/task.hpp"

namespace braid::tasks::countdown {

inline constexpr std::string_view kKind = "countdown";
inline constexpr std::size_t kMinNumbers = 2;
inline constexpr std::size_t kMaxNumbers = 6;
inline constexpr int kMaxNumberValue = 10'000;

struct Problem {
    std::vector<int> numbers;
    int target = 0;
    friend bool operator==(const Problem&, const Problem&) = default;
};

// Checks the row: kind "countdown", `numbers` an array of 2..6 integers in [1, 10000], `target` a
// positive integer. invalid_input errors name the task id and the field at fault.
Result<Problem> problem_from_task(const Task& task);

// The row for `problem`, keys in the order id, kind, numbers, target.
nlohmann::json problem_to_json(const std::string& id, const Problem& problem);

}  // namespace braid::tasks::countdown
