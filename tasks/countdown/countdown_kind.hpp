#pragma once
// The Countdown task kind: rows are validated by problem_from_task, the prompt is the APR root
// prompt, and outputs (completions after that prompt) are graded by the checker, with
// normalized_answer as the voting key. Stateless; one immutable instance serves every task.

#include "tasks/task_kind.hpp"

namespace braid::tasks::countdown {

class CountdownKind final : public TaskKind {
public:
    std::string_view name() const override;
    Result<void> validate(const Task& task) const override;
    // The root prompt; empty for a row that does not validate (call validate() first).
    std::string prompt(const Task& task) const override;
    Grade grade(const Task& task, std::string_view output) const override;
};

}  // namespace braid::tasks::countdown
