#include "tasks/countdown/countdown_kind.hpp"

#include "tasks/countdown/checker.hpp"
#include "tasks/countdown/problem.hpp"
#include "tasks/countdown/prompt.hpp"

namespace braid::tasks::countdown {

std::string_view CountdownKind::name() const { return kKind; }

Result<void> CountdownKind::validate(const Task& task) const {
    auto problem = problem_from_task(task);
    if (!problem) return std::move(problem).error();
    return {};
}

std::string CountdownKind::prompt(const Task& task) const {
    auto problem = problem_from_task(task);
    return problem ? root_prompt(*problem) : std::string{};
}

Grade CountdownKind::grade(const Task& task, std::string_view output) const {
    auto problem = problem_from_task(task);
    if (!problem) return Grade{false, "", problem.error().message};
    CheckResult result = check_trace(*problem, output);
    return Grade{result.solved, result.solved ? normalized_answer(result) : std::string{},
                 result.reason};
}

}  // namespace braid::tasks::countdown
