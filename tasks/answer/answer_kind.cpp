#include "tasks/answer/answer_kind.hpp"

#include "tasks/answer/final_answer.hpp"

namespace braid::tasks::answer {

namespace {

Error bad_field(const Task& task, std::string_view key, std::string_view why) {
    return make_error(ErrorCode::invalid_input,
                      describe(task) + ": field '" + std::string(key) + "' " + std::string(why));
}

// The reference answer as text ("" when the row does not validate).
std::string reference(const Task& task) {
    auto it = task.input.find("answer");
    if (it == task.input.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
    return {};
}

}  // namespace

Result<void> AnswerKind::validate(const Task& task) const {
    auto question = field(task, "question");
    if (!question) return std::move(question).error();
    if (!(*question)->is_string()) return bad_field(task, "question", "must be a string");
    if ((*question)->get<std::string>().empty())
        return bad_field(task, "question", "must not be empty");
    auto answer = field(task, "answer");
    if (!answer) return std::move(answer).error();
    if (!(*answer)->is_string() && !(*answer)->is_number())
        return bad_field(task, "answer", "must be a string or a number");
    return {};
}

std::string AnswerKind::prompt(const Task& task) const {
    auto it = task.input.find("question");
    return it != task.input.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

Grade AnswerKind::grade(const Task& task, std::string_view output) const {
    std::optional<std::string> found = extract_final_answer(output);
    if (!found)
        return Grade{false, "", "no final answer (Finish(...), \\boxed{...} or 'Answer: ...')"};
    std::string key = normalize_answer(*found);
    if (key.empty()) return Grade{false, "", "the final answer is empty"};
    bool correct = answers_match(*found, reference(task));
    return Grade{correct, key,
                 correct ? "matches the reference answer" : "differs from the reference answer"};
}

}  // namespace braid::tasks::answer
