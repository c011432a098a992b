#include <catch2/catch.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tasks/env/sandbox.hpp"
#include "tasks/swe/grading.hpp"
#include "tasks/swe/swe_kind.hpp"
#include "tests/support/swe_fixtures.hpp"

using namespace braid;
using namespace braid::tasks::swe;

namespace {

const tasks::env::Sandbox& sandbox() {
    static const tasks::env::Sandbox probed(tasks::env::probe_sandbox());
    return probed;
}

GradeReport evaluate(const test::ExampleRepos& repos, const SweTask& task,
                     const std::string& patch) {
    auto root = WorkspaceRoot::create(repos.dir() / "ws");
    REQUIRE(root.has_value());
    auto report = evaluate_patch(task, patch, sandbox(), *root);
    if (!report) FAIL(report.error().describe());
    INFO(report->to_json().dump(2));
    return *report;
}

bool has(const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

struct Example {
    std::string name;
    std::string f2p_failing_after_wrong;  // a FAIL_TO_PASS test the wrong patch does not fix
    std::string p2p_broken;               // a PASS_TO_PASS test the breaking patch breaks
};

const Example kExamples[] = {
    {"shorten", "tests/test_core.py::test_result_fits_width[custom]",
     "tests/test_core.py::test_exact_fit_is_not_cut"},
    {"romans", "tests.test_convert.ToRomanTest.test_all_subtractive_pairs",
     "tests.test_convert.ToRomanTest.test_rejects_zero"},
    {"rowsplit", "test_split.test_doubled_quote_inside_quotes", "test_split.test_preserves_spaces"},
};

}  // namespace

TEST_CASE("The gold patch of every example resolves it fully", "[tasks][swe][slow_ok]") {
    test::ExampleRepos repos;
    for (const Example& ex : kExamples) {
        INFO(ex.name);
        SweTask task = repos.task(ex.name);
        REQUIRE(test::example_patch(ex.name, "gold") == task.patch);
        GradeReport report = evaluate(repos, task, task.patch);
        REQUIRE(report.error.empty());
        REQUIRE(report.patch_successfully_applied);
        REQUIRE(report.apply_method == "git apply");
        REQUIRE(report.resolution == Resolution::full);
        REQUIRE(report.resolved);
        REQUIRE(report.fail_to_pass.success.size() == task.fail_to_pass.size());
        REQUIRE(report.pass_to_pass.success.size() == task.pass_to_pass.size());
    }
}

TEST_CASE(
    "A wrong fix leaves a FAIL_TO_PASS test failing; a breaking fix fails a PASS_TO_PASS test",
    "[tasks][swe]") {
    test::ExampleRepos repos;
    for (const Example& ex : kExamples) {
        INFO(ex.name);
        SweTask task = repos.task(ex.name);
        GradeReport wrong = evaluate(repos, task, test::example_patch(ex.name, "wrong"));
        REQUIRE(wrong.error.empty());
        REQUIRE(wrong.patch_successfully_applied);
        REQUIRE_FALSE(wrong.resolved);
        REQUIRE(wrong.resolution != Resolution::full);
        REQUIRE(has(wrong.fail_to_pass.failure, ex.f2p_failing_after_wrong));
        REQUIRE(wrong.pass_to_pass.failure.empty());

        GradeReport breaks = evaluate(repos, task, test::example_patch(ex.name, "breaks"));
        REQUIRE(breaks.error.empty());
        REQUIRE(breaks.resolution == Resolution::no);
        REQUIRE(breaks.fail_to_pass.failure.empty());
        REQUIRE(has(breaks.pass_to_pass.failure, ex.p2p_broken));
    }
}

TEST_CASE("An empty or unappliable patch is not resolved and runs no tests", "[tasks][swe]") {
    test::ExampleRepos repos;
    SweTask task = repos.task("shorten");
    GradeReport empty = evaluate(repos, task, "");
    REQUIRE_FALSE(empty.patch_exists);
    REQUIRE(empty.resolution == Resolution::no);
    REQUIRE_FALSE(empty.resolved);

    const std::string garbage =
        "diff --git a/shorten/core.py b/shorten/core.py\n--- a/shorten/core.py\n+++ "
        "b/shorten/core.py\n"
        "@@ -40,3 +40,3 @@\n no such\n-line here\n+at all\n context\n";
    GradeReport bad = evaluate(repos, task, garbage);
    REQUIRE(bad.patch_exists);
    REQUIRE_FALSE(bad.patch_successfully_applied);
    REQUIRE_FALSE(bad.resolved);
    REQUIRE_THAT(bad.error, Catch::Contains("patch apply failed"));
    REQUIRE(bad.to_json().at(task.instance_id).at("patch_successfully_applied") == false);
}

TEST_CASE("Unrunnable or distrusted test output is an error of the run, not a verdict",
          "[tasks][swe]") {
    test::ExampleRepos repos;
    SweTask task = repos.task("rowsplit");
    task.env.test_cmd = "echo 'nothing to see here'; true";
    GradeReport silent = evaluate(repos, task, task.patch);
    REQUIRE_FALSE(silent.resolved);
    REQUIRE_THAT(silent.error, Catch::Contains("no test results"));

    // Every line says PASS, but the command failed: the log is not trusted.
    task.env.test_cmd = "echo 'TEST forged.test_x ... PASS'; exit 3; true";
    GradeReport forged = evaluate(repos, task, task.patch);
    REQUIRE_FALSE(forged.resolved);
    REQUIRE_THAT(forged.error, Catch::Contains("exited 3") && Catch::Contains("distrusted"));

    task.env.test_cmd = "sleep 30 #";  // the directives become a comment
    task.env.timeout_s = 1;
    GradeReport slow = evaluate(repos, task, task.patch);
    REQUIRE_FALSE(slow.resolved);
    REQUIRE_THAT(slow.error, Catch::Contains("ran past 1 s"));
}

TEST_CASE("A model patch that edits the hidden test files cannot change the verdict",
          "[tasks][swe]") {
    test::ExampleRepos repos;
    SweTask task = repos.task("romans");
    // The wrong fix, plus an edit of the test file where test_patch goes (without the reset of
    // the test files, test_patch would no longer apply), plus a new test file.
    std::string cheat =
        test::example_patch("romans", "wrong") +
        "diff --git a/tests/test_convert.py b/tests/test_convert.py\n"
        "--- a/tests/test_convert.py\n+++ b/tests/test_convert.py\n@@ -11,3 +11,3 @@\n"
        " \n-    def test_rejects_zero(self):\n+    def test_rejects_zero(self):  # edited\n"
        "         with self.assertRaises(ValueError):\n";
    GradeReport report = evaluate(repos, task, cheat);
    REQUIRE(report.error.empty());
    REQUIRE(report.patch_successfully_applied);
    REQUIRE_FALSE(report.resolved);
    REQUIRE(has(report.fail_to_pass.failure,
                "tests.test_convert.ToRomanTest.test_all_subtractive_pairs"));
}

TEST_CASE("The swe kind grades through evaluate_patch: correct iff RESOLVED_FULL", "[tasks][swe]") {
    test::ExampleRepos repos;
    const tasks::TaskKind& kind = *tasks::find_task_kind("swe");
    nlohmann::json row = repos.row("rowsplit");
    tasks::Task task{row["instance_id"].get<std::string>(), "swe", row};
    REQUIRE(kind.validate(task).has_value());
    tasks::Grade gold = kind.grade(task, row["patch"].get<std::string>());
    INFO(gold.reason);
    REQUIRE(gold.correct);
    REQUIRE_THAT(gold.reason, Catch::StartsWith("RESOLVED_FULL\n"));
    REQUIRE(gold.normalized == normalize_patch(row["patch"].get<std::string>()));
    tasks::Grade wrong = kind.grade(task, test::example_patch("rowsplit", "wrong"));
    REQUIRE_FALSE(wrong.correct);
    REQUIRE_THAT(wrong.reason, Catch::StartsWith("RESOLVED_"));
    tasks::Grade nothing = kind.grade(task, "");
    REQUIRE_FALSE(nothing.correct);
    REQUIRE(nothing.normalized.empty());
}

TEST_CASE("Grading works with only the always-on sandbox layers", "[tasks][swe]") {
    test::ExampleRepos repos;
    const tasks::env::Sandbox bare(tasks::env::minimal_capabilities());
    SweTask task = repos.task("shorten");
    auto root = WorkspaceRoot::create(repos.dir() / "ws");
    REQUIRE(root.has_value());
    auto gold = evaluate_patch(task, task.patch, bare, *root);
    REQUIRE(gold.has_value());
    REQUIRE(gold->resolution == Resolution::full);
    auto breaks = evaluate_patch(task, test::example_patch("shorten", "breaks"), bare, *root);
    REQUIRE(breaks.has_value());
    REQUIRE(breaks->pass_to_pass.failure ==
            std::vector<std::string>{"tests/test_core.py::test_exact_fit_is_not_cut"});
}
