#include "tasks/swe/swe_kind.hpp"

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "tasks/env/sandbox.hpp"
#include "tasks/swe/grading.hpp"
#include "tasks/swe/swe_task.hpp"

namespace braid::tasks::swe {

namespace {

// Probed once per process: the capabilities of this machine do not change while braid runs,
// and the Sandbox is immutable (run() is const and thread-safe).
const env::Sandbox& process_sandbox() {
    static const env::Sandbox sandbox(env::probe_sandbox());
    return sandbox;
}

}  // namespace

std::string_view SweKind::name() const {
    return kKind;
}

Result<void> SweKind::validate(const Task& task) const {
    auto parsed = parse_swe_task(task.input);
    if (!parsed) return std::move(parsed).error().with_context(describe(task));
    return {};
}

Result<void> SweKind::prepare(Task& task, const std::filesystem::path& source_dir) const {
    if (!task.input.is_object())
        return make_error(ErrorCode::invalid_input, describe(task) + ": row is not a JSON object");
    resolve_repo_path(task.input, source_dir);
    return {};
}

Result<void> SweKind::check_resources(const Task& task) const {
    auto parsed = parse_swe_task(task.input);
    if (!parsed) return std::move(parsed).error().with_context(describe(task));
    std::error_code ec;
    if (!std::filesystem::is_directory(parsed->env.repo_path, ec))
        return make_error(ErrorCode::invalid_input, describe(task) + ": env.repo_path '" +
                                                        parsed->env.repo_path.string() +
                                                        "' is not a directory");
    return {};
}

std::string SweKind::prompt(const Task& task) const {
    // Only the issue (and its discussion) — never patch, test_patch, FAIL_TO_PASS or PASS_TO_PASS.
    auto text = [&task](std::string_view key) {
        auto it = task.input.find(key);
        return it != task.input.end() && it->is_string() ? it->get<std::string>() : std::string{};
    };
    std::string prompt = text("problem_statement");
    std::string hints = text("hints_text");
    if (!hints.empty())
        prompt += "\n\nHints (comments on the issue before it was fixed):\n" + hints;
    return prompt;
}

Grade SweKind::grade(const Task& task, std::string_view output) const {
    Grade grade;
    grade.normalized = normalize_patch(std::string(output));
    auto parsed = parse_swe_task(task.input);
    if (!parsed) {
        grade.reason = parsed.error().describe();
        return grade;
    }
    auto root = WorkspaceRoot::create();
    if (!root) {
        grade.reason = "grading error: " + root.error().describe();
        return grade;
    }
    auto report = evaluate_patch(*parsed, std::string(output), process_sandbox(), std::move(*root));
    if (!report) {
        grade.reason = "grading error: " + report.error().describe();
        return grade;
    }
    grade.correct = report->resolved;
    std::string head =
        report->error.empty() ? std::string(to_string(report->resolution)) : report->error;
    if (auto newline = head.find('\n'); newline != std::string::npos && !report->error.empty())
        head = head.substr(0, newline);
    grade.reason = head + "\n" + json_text(report->to_json());
    return grade;
}

}  // namespace braid::tasks::swe
