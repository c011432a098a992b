#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tasks/env/sandbox.hpp"
#include "tests/support/swe_fixtures.hpp"
#include "verifiers/apply_check.hpp"

using namespace braid;
using braid::verifiers::ApplyVerdict;

namespace {

const tasks::env::Sandbox& sandbox() {
    static const tasks::env::Sandbox probed(tasks::env::probe_sandbox());
    return probed;
}

ApplyVerdict check(const test::ExampleRepos& repos, const std::string& patch) {
    auto root = tasks::swe::WorkspaceRoot::create(repos.dir() / "ws");
    REQUIRE(root.has_value());
    auto verdict = verifiers::check_apply(repos.task("shorten"), patch, sandbox(), *root);
    if (!verdict) FAIL(verdict.error().describe());
    INFO(verdict->details().dump(2));
    return *verdict;
}

}  // namespace

TEST_CASE("The apply verifier passes a patch that applies and compiles",
          "[verifiers][apply][swe]") {
    test::ExampleRepos repos;
    ApplyVerdict v = check(repos, test::example_patch("shorten", "gold"));
    REQUIRE(v.applied);
    REQUIRE(v.method == "git apply");
    REQUIRE(v.syntax_errors.empty());
    REQUIRE(v.error.empty());
    REQUIRE(v.score() == 1.0);
    REQUIRE(v.wall_ms > 0);
    nlohmann::json details = v.details();
    REQUIRE(details["applied"] == true);
    REQUIRE(details["method"] == "git apply");
    REQUIRE(details["syntax_errors"].empty());
}

TEST_CASE("The apply verifier scores 0 for a diff that applies nowhere, with the reason",
          "[verifiers][apply][swe]") {
    test::ExampleRepos repos;
    ApplyVerdict v = check(repos, "this is not a diff\n@@ nonsense @@\n+x\n");
    REQUIRE_FALSE(v.applied);
    REQUIRE(v.method.empty());
    REQUIRE_FALSE(v.error.empty());
    REQUIRE(v.score() == 0.0);
    REQUIRE(v.details()["error"] == v.error);
}

TEST_CASE(
    "The apply verifier scores 0 for a patch that leaves a Python syntax error, naming the file",
    "[verifiers][apply][swe]") {
    test::ExampleRepos repos;
    // The gold fix with a colon lost.
    std::string patch = test::example_patch("shorten", "gold");
    const std::string line = "+    if width <= len(suffix):\n";
    auto at = patch.find(line);
    REQUIRE(at != std::string::npos);
    patch.replace(at, line.size(), "+    if width <= len(suffix)\n");
    ApplyVerdict v = check(repos, patch);
    REQUIRE(v.applied);
    REQUIRE(v.syntax_errors.size() == 1);
    REQUIRE(v.syntax_errors.count("shorten/core.py") == 1);
    REQUIRE_THAT(v.syntax_errors["shorten/core.py"], Catch::Contains("SyntaxError"));
    REQUIRE(v.score() == 0.0);
    REQUIRE(v.details()["syntax_errors"].contains("shorten/core.py"));
}

TEST_CASE("The apply verifier checks new Python files and skips deleted ones",
          "[verifiers][apply][swe]") {
    test::ExampleRepos repos;
    const std::string new_file =
        "diff --git a/shorten/extra.py b/shorten/extra.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/shorten/extra.py\n@@ -0,0 +1,2 @@\n+def f(:\n+    pass\n";
    ApplyVerdict broken = check(repos, new_file);
    REQUIRE(broken.applied);
    REQUIRE(broken.syntax_errors.count("shorten/extra.py") == 1);
    REQUIRE(broken.score() == 0.0);

    // Deleting a module leaves nothing to compile.
    const std::string text =
        test::read_text((repos.repo("shorten") / "shorten" / "__init__.py").string());
    std::string deletion =
        "diff --git a/shorten/__init__.py b/shorten/__init__.py\ndeleted file mode 100644\n"
        "--- a/shorten/__init__.py\n+++ /dev/null\n";
    std::string removed;
    std::size_t lines = 0;
    for (std::size_t pos = 0; pos < text.size(); ++lines) {
        std::size_t end = text.find('\n', pos);
        REQUIRE(end != std::string::npos);
        removed += "-" + text.substr(pos, end + 1 - pos);
        pos = end + 1;
    }
    deletion += "@@ -1," + std::to_string(lines) + " +0,0 @@\n" + removed;
    ApplyVerdict deleted = check(repos, deletion);
    REQUIRE(deleted.applied);
    REQUIRE(deleted.syntax_errors.empty());
    REQUIRE(deleted.score() == 1.0);
}

TEST_CASE("The apply verifier reports a missing base commit as an error",
          "[verifiers][apply][swe]") {
    test::ExampleRepos repos;
    tasks::swe::SweTask task = repos.task("shorten");
    task.base_commit = "0123456789abcdef0123456789abcdef01234567";
    auto root = tasks::swe::WorkspaceRoot::create(repos.dir() / "ws");
    REQUIRE(root.has_value());
    auto verdict =
        verifiers::check_apply(task, test::example_patch("shorten", "gold"), sandbox(), *root);
    REQUIRE_FALSE(verdict.has_value());
    REQUIRE(verdict.error().code == ErrorCode::invalid_input);
}
