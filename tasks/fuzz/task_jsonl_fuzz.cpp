// libFuzzer entry point for task files: parse_tasks_jsonl (tasks/jsonl.hpp) and what loading a
// file does with each row without touching the filesystem: the countdown and answer kinds'
// validate/prompt/grade, and parse_swe_task for SWE rows (task_kind.cpp itself is not linked: it
// drags in the SWE grader, sandbox and processes).
//
// The input is a whole task file. Checks: no crash, no exception, no sanitizer report; an error
// names the source and a line and is well-formed UTF-8; a loaded file's ids are non-empty,
// printable, unique and equal to the rows' `id`, its kinds equal the rows' `kind`; the file
// written back with to_jsonl_line loads again to the same tasks; a valid countdown row's prompt
// parses back to its root state; a valid answer row accepts "Answer: <its reference>"; a parsed
// SWE row keeps its instance_id and files_in_diff(patch) names distinct files.
//
// Build (clang): cmake --build build --target fuzz_task_jsonl; run: scripts/fuzz 60 task_jsonl

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"
#include "tasks/answer/answer_kind.hpp"
#include "tasks/countdown/countdown_kind.hpp"
#include "tasks/countdown/problem.hpp"
#include "tasks/countdown/prompt.hpp"
#include "tasks/jsonl.hpp"
#include "tasks/swe/swe_task.hpp"

using braid::tasks::Task;

namespace {

constexpr std::string_view kSource = "fuzz.jsonl";

void check(bool ok) {
    if (!ok) std::abort();
}

void check_countdown(const Task& task) {
    static const braid::tasks::countdown::CountdownKind kind;
    if (!kind.validate(task)) return;
    auto problem = braid::tasks::countdown::problem_from_task(task);
    check(problem.has_value());
    std::string prompt = kind.prompt(task);
    auto parsed = braid::tasks::countdown::parse_state(prompt);
    check(parsed.has_value() && parsed->state == braid::tasks::countdown::root_state(*problem));
    braid::tasks::Grade grade = kind.grade(task, prompt);
    check(!grade.correct || !grade.normalized.empty());
}

void check_answer(const Task& task) {
    static const braid::tasks::answer::AnswerKind kind;
    if (!kind.validate(task)) return;
    check(kind.prompt(task) == task.input["question"].get<std::string>());
    const nlohmann::json& answer = task.input["answer"];
    std::string reference = answer.is_string() ? answer.get<std::string>() : answer.dump();
    // The reference on an "Answer:" line is the output's final answer unless it holds what
    // takes precedence (Finish(, \boxed{) or breaks the line.
    if (reference.find_first_of("\r\n") != std::string::npos ||
        reference.find("Finish(") != std::string::npos ||
        reference.find("\\boxed{") != std::string::npos)
        return;
    braid::tasks::Grade grade = kind.grade(task, "Answer: " + reference);
    check(grade.correct || grade.normalized.empty());
}

void check_swe(const Task& task) {
    auto swe = braid::tasks::swe::parse_swe_task(task.input);
    if (!swe) {
        check(!swe.error().message.empty());
        return;
    }
    check(swe->instance_id == task.input["instance_id"].get<std::string>());
    std::vector<std::string> files = braid::tasks::swe::files_in_diff(swe->patch);
    check(std::set<std::string>(files.begin(), files.end()).size() == files.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto tasks = braid::tasks::parse_tasks_jsonl(text, kSource);
    if (!tasks) {
        const std::string& message = tasks.error().message;
        check(message.starts_with(std::string(kSource) + ":"));
        check(braid::is_valid_utf8(message));
        return 0;
    }

    std::set<std::string> ids;
    std::string written;
    for (const Task& task : *tasks) {
        check(!task.id.empty() && ids.insert(task.id).second);
        for (char c : task.id) check(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
        check(task.input.is_object() && task.input["id"] == task.id &&
              task.input["kind"] == task.kind);
        written += braid::tasks::to_jsonl_line(task.input) + "\n";
    }

    auto again = braid::tasks::parse_tasks_jsonl(written, kSource);
    check(again.has_value() && again->size() == tasks->size());
    for (std::size_t i = 0; i < tasks->size(); ++i) {
        const Task& a = (*tasks)[i];
        const Task& b = (*again)[i];
        check(a.id == b.id && a.kind == b.kind && a.input == b.input);
    }

    for (const Task& task : *tasks) {
        if (task.kind == braid::tasks::countdown::kKind) check_countdown(task);
        if (task.kind == braid::tasks::answer::kKind) check_answer(task);
        if (task.kind == braid::tasks::swe::kKind && task.input.contains("instance_id"))
            check_swe(task);
    }
    return 0;
}
