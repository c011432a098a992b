#pragma once
// The `answer` task kind: a question with one reference answer (math word problems, QA).
// Rows: {"id": "...", "kind": "answer", "question": "...", "answer": "..."} (`answer` may also be a
// JSON number). The prompt is the question itself; an output is graded by extracting its final
// answer (tasks/answer/final_answer.hpp) and comparing it, normalized, with the reference.
// Stateless; one immutable instance serves every task.

#include "tasks/task_kind.hpp"

namespace braid::tasks::answer {

inline constexpr std::string_view kKind = "answer";

class AnswerKind final : public TaskKind {
public:
    std::string_view name() const override { return kKind; }
    // Errors (invalid_input) name the task and the field: `question` missing, not a string or
    // empty; `answer` missing, or neither a string nor a number.
    Result<void> validate(const Task& task) const override;
    std::string prompt(const Task& task) const override;
    Grade grade(const Task& task, std::string_view output) const override;
};

}  // namespace braid::tasks::answer
