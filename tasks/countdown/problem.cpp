#include "tasks/countdown/problem.hpp"
#include "core/json_text.hpp"

#include <limits>

namespace braid::tasks::countdown {

namespace {

Error field_error(const Task& task, std::string_view name, const std::string& what) {
    return make_error(ErrorCode::invalid_input,
                      describe(task) + ": field '" + std::string(name) + "' " + what);
}

// A JSON integer (not a float, not a bool) that fits in int.
bool as_int(const nlohmann::json& value, int& out) {
    if (value.is_number_unsigned()) {
        auto v = value.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) return false;
        out = static_cast<int>(v);
        return true;
    }
    if (value.is_number_integer()) {
        auto v = value.get<std::int64_t>();
        if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
            return false;
        out = static_cast<int>(v);
        return true;
    }
    return false;
}

}  // namespace

Result<Problem> problem_from_task(const Task& task) {
    if (task.kind != kKind)
        return make_error(ErrorCode::invalid_input,
                          describe(task) + ": kind is '" + task.kind + "', expected 'countdown'");
    Problem problem;

    auto numbers = field(task, "numbers");
    if (!numbers) return std::move(numbers).error();
    const nlohmann::json& list = **numbers;
    if (!list.is_array()) return field_error(task, "numbers", "must be an array of integers");
    if (list.size() < kMinNumbers || list.size() > kMaxNumbers)
        return field_error(task, "numbers",
                           "must hold 2 to 6 numbers, has " + std::to_string(list.size()));
    for (std::size_t i = 0; i < list.size(); ++i) {
        int n = 0;
        if (!as_int(list[i], n) || n < 1 || n > kMaxNumberValue)
            return field_error(task, "numbers",
                               "item " + std::to_string(i) + " (" + json_text(list[i]) +
                                   ") must be an integer in [1, 10000]");
        problem.numbers.push_back(n);
    }

    auto target = field(task, "target");
    if (!target) return std::move(target).error();
    if (!as_int(**target, problem.target) || problem.target < 1)
        return field_error(task, "target",
                           "(" + (*target)->dump() + ") must be a positive integer");
    return problem;
}

nlohmann::json problem_to_json(const std::string& id, const Problem& problem) {
    // nlohmann::json keeps object keys sorted, and id < kind < numbers < target already.
    return nlohmann::json{
        {"id", id}, {"kind", kKind}, {"numbers", problem.numbers}, {"target", problem.target}};
}

}  // namespace braid::tasks::countdown
