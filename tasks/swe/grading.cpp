#include "tasks/swe/grading.hpp"

#include <nlohmann/json.hpp>

#include "tasks/swe/command.hpp"

namespace braid::tasks::swe {

namespace {

constexpr std::string_view kStartMarker = ">>>>> Start Test Output";
constexpr std::string_view kEndMarker = ">>>>> End Test Output";
constexpr std::size_t kLogTailBytes = 2000;

std::string shell_quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// The text between the markers, or everything when they are missing (a setup line that ended
// the shell, or a runner that printed nothing).
std::string between_markers(const std::string& output) {
    std::size_t start = output.find(kStartMarker);
    if (start == std::string::npos) return output;
    start = output.find('\n', start);
    start = start == std::string::npos ? output.size() : start + 1;
    std::size_t end = output.find(kEndMarker, start);
    return output.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string tail(const std::string& log) {
    if (log.size() <= kLogTailBytes) return log;
    return "..." + log.substr(log.size() - kLogTailBytes);
}

bool any_failure(const TestStatusMap& statuses) {
    for (const auto& [name, status] : statuses)
        if (status == TestStatus::failed || status == TestStatus::error) return true;
    return false;
}

bool blank(const std::string& text) {
    for (char c : text)
        if (!std::isspace(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace

env::SandboxPolicy workspace_policy(const SweEnv& env, const Workspace& workspace,
                                    std::int64_t timeout_s) {
    env::SandboxPolicy policy;
    policy.timeout = std::chrono::seconds(timeout_s);
    policy.network = env.network;
    policy.writable = {workspace.dir()};
    policy.readable = workspace.borrowed_objects();
    policy.disk_quota_bytes = static_cast<std::uint64_t>(env.disk_quota_mb) << 20;
    // No __pycache__ folders in the tree: they would show up in the workspace's diff.
    policy.env_set.emplace_back("PYTHONDONTWRITEBYTECODE", "1");
    return policy;
}

Result<TestRun> run_tests(const Workspace& workspace, const SweEnv& env,
                          const std::vector<std::string>& directives, const env::Sandbox& sandbox,
                          int cancel_fd) {
    // One script, stderr folded into stdout so unittest's report lands between the markers.
    std::string script = "exec 2>&1\n";
    for (const auto& line : env.setup) script += line + "\n";
    script += "echo '" + std::string(kStartMarker) + "'\n";
    script += env.test_cmd;
    for (const auto& directive : directives) script += " " + shell_quote(directive);
    script += "\nbraid_status=$?\n";
    script += "echo '" + std::string(kEndMarker) + "'\n";
    script += "exit $braid_status\n";

    auto result = sandbox.run(env::shell_argv(script), workspace.dir(),
                              workspace_policy(env, workspace, env.timeout_s), cancel_fd);
    if (!result) return std::move(result).error().with_context("running the tests");
    TestRun run;
    run.exit_code = result->exit_code;
    run.timed_out = result->timed_out;
    run.wall_ms = result->wall_ms;
    run.log = between_markers(result->out + result->err);
    if (run.timed_out)
        return make_error(ErrorCode::timeout,
                          "the tests ran past " + std::to_string(env.timeout_s) + " s");
    if (result->over_quota)
        return make_error(ErrorCode::invalid_input,
                          "the tests grew the workspace past its disk quota of " +
                              std::to_string(env.disk_quota_mb) + " MiB");
    auto statuses = parse_test_log(env.log_parser, run.log, env.log_regex);
    if (!statuses) return std::move(statuses).error();
    if (statuses->empty())
        return make_error(ErrorCode::invalid_input,
                          "no test results in the log:\n" + tail(run.log));
    if (run.exit_code != 0 && !any_failure(*statuses))
        return make_error(ErrorCode::invalid_input,
                          "test command exited " + std::to_string(run.exit_code) +
                              " with no failing test: log distrusted:\n" + tail(run.log));
    run.statuses = std::move(*statuses);
    return run;
}

std::string_view to_string(Resolution r) {
    switch (r) {
        case Resolution::full:
            return "RESOLVED_FULL";
        case Resolution::partial:
            return "RESOLVED_PARTIAL";
        case Resolution::no:
            return "RESOLVED_NO";
    }
    return "RESOLVED_NO";
}

GradeReport grade_statuses(const SweTask& task, const TestStatusMap& statuses) {
    const bool fail_only = task.env.eval_type == "fail_only";
    // fail_only: only a present FAILED/ERROR fails. Otherwise F2P needs PASSED/XFAIL, and P2P
    // is kept by PASSED/XFAIL/SKIPPED (a skip is not a regression).
    auto passes = [&](const std::string& name, bool skip_ok) {
        const TestStatus* status = find_status(statuses, name);
        if (fail_only)
            return status == nullptr ||
                   (*status != TestStatus::failed && *status != TestStatus::error);
        if (status == nullptr) return false;
        return *status == TestStatus::passed || *status == TestStatus::xfail ||
               (skip_ok && *status == TestStatus::skipped);
    };
    GradeReport report;
    report.instance_id = task.instance_id;
    for (const auto& name : task.fail_to_pass)
        (passes(name, false) ? report.fail_to_pass.success : report.fail_to_pass.failure)
            .push_back(name);
    for (const auto& name : task.pass_to_pass)
        (passes(name, true) ? report.pass_to_pass.success : report.pass_to_pass.failure)
            .push_back(name);
    const bool p2p_kept = report.pass_to_pass.failure.empty();
    if (p2p_kept && report.fail_to_pass.failure.empty())
        report.resolution = Resolution::full;
    else if (p2p_kept && !report.fail_to_pass.success.empty())
        report.resolution = Resolution::partial;
    else
        report.resolution = Resolution::no;
    report.resolved = report.resolution == Resolution::full;
    return report;
}

nlohmann::json GradeReport::to_json() const {
    auto group = [](const TestGroups& g) {
        return nlohmann::json{{"success", g.success}, {"failure", g.failure}};
    };
    nlohmann::json empty_group = {{"success", nlohmann::json::array()},
                                  {"failure", nlohmann::json::array()}};
    nlohmann::json body = {
        {"patch_is_None", patch_is_none},
        {"patch_exists", patch_exists},
        {"patch_successfully_applied", patch_successfully_applied},
        {"resolved", resolved},
        {"resolution", std::string(to_string(resolution))},
        {"apply_method", apply_method},
        {"tests_status",
         {{"FAIL_TO_PASS", group(fail_to_pass)},
          {"PASS_TO_PASS", group(pass_to_pass)},
          {"FAIL_TO_FAIL", empty_group},
          {"PASS_TO_FAIL", empty_group}}},
    };
    if (!error.empty()) body["error"] = error;
    return nlohmann::json{{instance_id, body}};
}

Result<GradeReport> evaluate_patch(const SweTask& task, const std::string& model_patch,
                                   const env::Sandbox& sandbox,
                                   std::shared_ptr<WorkspaceRoot> root) {
    GradeReport report;
    report.instance_id = task.instance_id;
    report.patch_exists = !blank(model_patch);
    if (!report.patch_exists) {
        report.error = "empty patch";  // the harness does not evaluate these either
        return report;
    }
    const std::filesystem::path home = root->dir();
    auto workspace =
        Workspace::create(std::move(root), task.env.repo_path, task.base_commit, task.instance_id);
    if (!workspace) return std::move(workspace).error();
    auto method = workspace->apply_patch(model_patch);
    if (!method) {
        report.error = "patch apply failed: " + method.error().message;
        return report;
    }
    report.patch_successfully_applied = true;
    report.apply_method = *method;

    // The test files back to base (a patch may have edited or created them), then test_patch.
    const std::vector<std::string> test_files = files_in_diff(task.test_patch);
    const auto& dir = workspace->dir();
    for (const auto& file : test_files) {
        auto tracked =
            run_command({"git", "cat-file", "-e", task.base_commit + ":" + file}, dir, home);
        if (!tracked) return std::move(tracked).error();
        if (tracked->exit_code == 0) {
            auto restored =
                run_command_checked({"git", "checkout", task.base_commit, "--", file}, dir, home);
            if (!restored) return std::move(restored).error();
        } else {
            std::error_code ignored;  // absent already is fine
            std::filesystem::remove_all(dir / file, ignored);
        }
    }
    if (!blank(task.test_patch)) {
        auto applied = workspace->apply_patch(task.test_patch);
        if (!applied) {
            report.error = "test_patch does not apply: " + applied.error().message;
            return report;
        }
    }
    const std::vector<std::string> directives =
        task.env.test_directives.empty() ? test_files : task.env.test_directives;
    auto run = run_tests(*workspace, task.env, directives, sandbox);
    if (!run) {
        if (run.error().code == ErrorCode::io || run.error().code == ErrorCode::cancelled)
            return std::move(run).error();
        report.error = run.error().message;
        return report;
    }
    GradeReport graded = grade_statuses(task, run->statuses);
    graded.patch_exists = report.patch_exists;
    graded.patch_successfully_applied = true;
    graded.apply_method = report.apply_method;
    return graded;
}

std::vector<std::string> regressions(const TestStatusMap& base, const TestStatusMap& with_patch) {
    std::vector<std::string> out;
    for (const auto& [name, status] : base) {
        if (status != TestStatus::passed) continue;
        auto it = with_patch.find(name);
        bool kept = it != with_patch.end() &&
                    (it->second == TestStatus::passed || it->second == TestStatus::xfail ||
                     it->second == TestStatus::skipped);
        if (!kept) out.push_back(name);
    }
    return out;
}

}  // namespace braid::tasks::swe
