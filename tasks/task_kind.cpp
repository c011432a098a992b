#include "tasks/task_kind.hpp"

#include "tasks/answer/answer_kind.hpp"
#include "tasks/countdown/countdown_kind.hpp"
#include "tasks/swe/swe_kind.hpp"

namespace braid::tasks {

namespace {

const countdown::CountdownKind kCountdown{};
const answer::AnswerKind kAnswer{};
const swe::SweKind kSwe{};
const TaskKind* const kKinds[] = {&kCountdown, &kAnswer, &kSwe};

}  // namespace

const TaskKind* find_task_kind(std::string_view name) {
    for (const TaskKind* kind : kKinds)
        if (kind->name() == name) return kind;
    return nullptr;
}

std::vector<std::string> task_kind_names() {
    std::vector<std::string> names;
    for (const TaskKind* kind : kKinds) names.emplace_back(kind->name());
    return names;
}

}  // namespace braid::tasks
