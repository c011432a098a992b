#pragma once
// Running a task's tests in a workspace, and grading a patch the way the SWE-bench harness does
// (reference/swe_verify_budget.md §1.4): apply the model patch with the fallback chain, reset the
// files test_patch touches, apply test_patch, run test_cmd + directives between markers under the
// sandbox, parse the log, and grade FAIL_TO_PASS / PASS_TO_PASS:
//   F2P passes iff PASSED or XFAIL (missing, FAILED, ERROR, SKIPPED fail it);
//   P2P is kept iff PASSED, XFAIL or SKIPPED;
//   RESOLVED_FULL iff every F2P passes and every P2P is kept; RESOLVED_PARTIAL iff some but not all
//   F2P pass and every P2P is kept; RESOLVED_NO otherwise. eval_type fail_only: a test fails only
//   when present and FAILED/ERROR.
// A log with no parsable test line is an error of the run, never "all tests failed"; so is a
// log that parses but whose command exited non-zero with no FAILED/ERROR test (distrusted).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "tasks/env/sandbox.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tasks/swe/test_log.hpp"
#include "tasks/swe/workspace.hpp"

namespace braid::tasks::swe {

struct TestRun {
    TestStatusMap statuses;
    int exit_code = -1;
    bool timed_out = false;
    std::string log;     // the output between the markers (or all of it), head and tail kept
    double wall_ms = 0;
};

// The sandbox policy for anything run in `workspace` for `task`: the workspace writable, the git
// objects it borrows readable (git works inside), the task's network setting and disk quota,
// `timeout_s`.
env::SandboxPolicy workspace_policy(const SweEnv& env, const Workspace& workspace, std::int64_t timeout_s);

// Runs env.setup, then env.test_cmd followed by `directives` (shell-quoted), in the workspace
// under the sandbox, and parses the log with env.log_parser. Blocking.
// Errors: timeout (the suite ran past env.timeout_s), invalid_input ("no test results in the
// log" / "test command exited N with no failing test: log distrusted", with the log's tail;
// the workspace grew past env.disk_quota_mb),
// io (the sandbox could not start it), cancelled (`cancel_fd` became readable: the suite is
// killed at once, as Sandbox::run does).
Result<TestRun> run_tests(const Workspace& workspace, const SweEnv& env, const std::vector<std::string>& directives,
                          const env::Sandbox& sandbox, int cancel_fd = -1);

enum class Resolution { full, partial, no };
std::string_view to_string(Resolution r);  // "RESOLVED_FULL" | "RESOLVED_PARTIAL" | "RESOLVED_NO"

struct TestGroups {
    std::vector<std::string> success;
    std::vector<std::string> failure;
};

// The harness's per-instance report (field names as its report.json).
struct GradeReport {
    std::string instance_id;
    bool patch_is_none = false;
    bool patch_exists = false;
    bool patch_successfully_applied = false;
    bool resolved = false;
    Resolution resolution = Resolution::no;
    std::string apply_method;   // how the patch went in
    std::string error;          // why grading stopped early ("" when the tests ran)
    TestGroups fail_to_pass, pass_to_pass;
    nlohmann::json to_json() const;  // {"<id>": {patch_is_None, patch_exists, ..., tests_status}}
};

// Grades statuses against the task's hidden lists.
GradeReport grade_statuses(const SweTask& task, const TestStatusMap& statuses);

// The whole oracle evaluation of one patch in a fresh workspace under `root`. Blocking.
// A patch that does not apply, tests that time out or a log that cannot be trusted give a report
// with resolved=false and `error` set; only infrastructure failures (no repository, bad
// base_commit) are errors.
Result<GradeReport> evaluate_patch(const SweTask& task, const std::string& model_patch, const env::Sandbox& sandbox,
                                   std::shared_ptr<WorkspaceRoot> root);

// Regression signal visible to selection (no hidden data): the tests that PASSED at base and do
// not pass (PASSED/XFAIL/SKIPPED) in `with_patch`, sorted.
std::vector<std::string> regressions(const TestStatusMap& base, const TestStatusMap& with_patch);

}  // namespace braid::tasks::swe
