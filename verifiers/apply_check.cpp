#include "verifiers/apply_check.hpp"

#include <chrono>
#include <filesystem>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/swe/grading.hpp"

namespace braid::verifiers {

namespace {

constexpr std::size_t kMaxMessageChars = 2000;
constexpr int kPyCompileSyntaxError =
    1;  // py_compile's exit status for a file that does not compile

bool is_python(const std::string& path) {
    return path.size() > 3 && path.ends_with(".py");
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.size() > kMaxMessageChars) text = text.substr(text.size() - kMaxMessageChars);
    return text;
}

}  // namespace

nlohmann::json ApplyVerdict::details() const {
    return nlohmann::json{{"applied", applied},
                          {"method", method},
                          {"syntax_errors", syntax_errors},
                          {"error", error},
                          {"wall_ms", wall_ms}};
}

Result<ApplyVerdict> check_apply(const tasks::swe::SweTask& task, const std::string& patch,
                                 const tasks::env::Sandbox& sandbox,
                                 std::shared_ptr<tasks::swe::WorkspaceRoot> root) {
    const auto started = std::chrono::steady_clock::now();
    ApplyVerdict v;
    auto workspace = tasks::swe::Workspace::create(std::move(root), task.env.repo_path,
                                                   task.base_commit, "apply");
    if (!workspace) return std::move(workspace).error();
    auto applied = workspace->apply_patch(patch);
    if (!applied) {
        v.error = trimmed(applied.error().message);
    } else {
        v.applied = true;
        v.method = *applied;
        const auto policy =
            tasks::swe::workspace_policy(task.env, *workspace, task.env.command_timeout_s);
        for (const std::string& file : tasks::swe::files_in_diff(patch)) {
            std::error_code ec;
            if (!is_python(file) || !std::filesystem::is_regular_file(workspace->dir() / file, ec))
                continue;
            if (v.syntax_errors.contains(file)) continue;
            auto run = sandbox.run({"python3", "-m", "py_compile", file}, workspace->dir(), policy);
            if (!run) return std::move(run).error().with_context("checking the syntax of " + file);
            if (run->exit_code == 0) continue;
            if (run->timed_out || run->exit_code != kPyCompileSyntaxError)
                return make_error(ErrorCode::io, "python3 -m py_compile " + file + " exited " +
                                                     std::to_string(run->exit_code) + ": " +
                                                     trimmed(run->err));
            v.syntax_errors[file] = trimmed(run->err + run->out);
        }
    }
    v.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    return v;
}

}  // namespace braid::verifiers
