#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "tasks/env/sandbox.hpp"
#include "tests/support/swe_fixtures.hpp"
#include "verifiers/repro_tests.hpp"

using namespace braid;
using braid::verifiers::ReproMatrix;
using braid::verifiers::ReproTest;

namespace {

const tasks::env::Sandbox& sandbox() {
    static const tasks::env::Sandbox probed(tasks::env::probe_sandbox());
    return probed;
}

ReproTest repro(std::int64_t author, const std::string& kind) {
    return ReproTest{NodeId{author}, test::example_patch("shorten", kind)};
}

ReproMatrix run_matrix(const test::ExampleRepos& repos, std::vector<ReproTest> tests,
                       std::vector<std::string> fixes) {
    auto root = tasks::swe::WorkspaceRoot::create(repos.dir() / "ws");
    REQUIRE(root.has_value());
    const tasks::swe::SweTask task = repos.task("shorten");
    asio::io_context io;
    asio::thread_pool pool(4);
    auto op = verifiers::run_repro_matrix(pool, task, std::move(tests), std::move(fixes), sandbox(),
                                          *root);
    Result<ReproMatrix> matrix = async::run_sync(io, std::move(op));
    pool.join();
    if (!matrix) FAIL(matrix.error().describe());
    return *matrix;
}

std::vector<std::string> shorten_fixes() {
    return {test::example_patch("shorten", "gold"), test::example_patch("shorten", "wrong"),
            test::example_patch("shorten", "breaks")};
}

}  // namespace

TEST_CASE("The repro matrix keeps tests that fail at base and runs them against every fix",
          "[verifiers][repro][swe]") {
    test::ExampleRepos repos;
    ReproMatrix m =
        run_matrix(repos,
                   {repro(1, "repro-good"), repro(2, "repro-passes"), repro(3, "repro-broken"),
                    repro(4, "repro-custom"), repro(5, "repro-exact")},
                   shorten_fixes());
    REQUIRE(m.tests.size() == 5);
    for (const auto& check : m.tests)
        REQUIRE(check.files == std::vector<std::string>{"tests/test_repro_issue.py"});
    INFO(m.tests[1].reason << "\n" << m.tests[2].reason);
    REQUIRE(m.tests[0].kept);
    REQUIRE(m.tests[0].reason.empty());
    REQUIRE_FALSE(m.tests[1].kept);
    REQUIRE(m.tests[1].reason == "passes at base");
    REQUIRE_FALSE(m.tests[2].kept);
    REQUIRE_THAT(m.tests[2].reason, Catch::StartsWith("does not apply at base: "));
    REQUIRE(m.tests[3].kept);
    REQUIRE(m.tests[4].kept);
    for (const auto& check : m.tests) REQUIRE(check.wall_ms > 0);
    REQUIRE(m.kept == std::vector<std::size_t>{0, 3, 4});

    // Columns: good, custom, exact. Rows: gold, wrong (custom suffixes overflow), breaks (an exact
    // fit is cut).
    using Row = std::vector<bool>;
    REQUIRE(m.passes ==
            std::vector<Row>{{true, true, true}, {true, false, true}, {true, true, false}});
    REQUIRE(m.signature(0) == "111");
    REQUIRE(m.signature(1) == "101");
    REQUIRE(m.signature(2) == "110");
    REQUIRE(m.votes(0) == 3);
    REQUIRE(m.votes(1) == 2);
    REQUIRE(m.votes(2) == 2);
    REQUIRE(m.distinguishability == 3);
    REQUIRE(m.fix_wall_ms.size() == 3);
    for (double ms : m.fix_wall_ms) REQUIRE(ms > 0);

    nlohmann::json details = m.details(1);
    REQUIRE(details.size() == 5);
    REQUIRE(details["signature"] == "101");
    REQUIRE(details["votes"] == 2);
    REQUIRE(details["kept_tests"] == 3);
    REQUIRE(details["distinguishability"] == 3);
    REQUIRE(details["wall_ms"].get<double>() == m.fix_wall_ms[1]);
}

TEST_CASE(
    "Tests whose columns are equal for every fix give distinguishability 1; equal test patches run "
    "once",
    "[verifiers][repro][swe]") {
    test::ExampleRepos repos;
    // gold and breaks both pass the example and the custom suffix.
    ReproMatrix m = run_matrix(
        repos, {repro(1, "repro-good"), repro(2, "repro-custom"), repro(3, "repro-good")},
        {test::example_patch("shorten", "gold"), test::example_patch("shorten", "breaks"),
         test::example_patch("shorten", "gold")});
    REQUIRE(m.kept == std::vector<std::size_t>{0, 1, 2});
    REQUIRE(m.tests[0].wall_ms > 0);
    REQUIRE(m.tests[2].kept);
    REQUIRE(m.tests[2].wall_ms == 0);  // its twin's run
    for (std::size_t f = 0; f < 3; ++f) {
        REQUIRE(m.signature(f) == "111");
        REQUIRE(m.votes(f) == 3);
    }
    REQUIRE(m.distinguishability == 1);
    REQUIRE(m.fix_wall_ms[0] > 0);
    REQUIRE(m.fix_wall_ms[1] > 0);
    REQUIRE(m.fix_wall_ms[2] == 0);  // the same fix as row 0: run once
    REQUIRE(m.details(2)["distinguishability"] == 1);
}

TEST_CASE("A fix that does not apply fails every kept test; no kept test leaves an empty matrix",
          "[verifiers][repro][swe]") {
    test::ExampleRepos repos;
    ReproMatrix m =
        run_matrix(repos, {repro(1, "repro-good")},
                   {"diff --git a/nowhere.py b/nowhere.py\n--- a/nowhere.py\n+++ b/nowhere.py\n"
                    "@@ -1 +1 @@\n-a\n+b\n",
                    ""});
    REQUIRE(m.kept == std::vector<std::size_t>{0});
    REQUIRE(m.signature(0) == "0");
    REQUIRE(m.signature(1) == "0");  // the empty fix is the base
    REQUIRE(m.distinguishability == 1);

    ReproMatrix none = run_matrix(repos, {repro(1, "repro-passes"), ReproTest{NodeId{2}, ""}},
                                  {test::example_patch("shorten", "gold")});
    REQUIRE(none.kept.empty());
    REQUIRE(none.tests[1].reason == "touches no file");
    REQUIRE(none.passes == std::vector<std::vector<bool>>{{}});
    REQUIRE(none.signature(0).empty());
    REQUIRE(none.votes(0) == 0);
    REQUIRE(none.distinguishability == 0);
    REQUIRE(none.details(0)["kept_tests"] == 0);
}

TEST_CASE("A missing repository is an error of the matrix", "[verifiers][repro][swe]") {
    test::ExampleRepos repos;
    tasks::swe::SweTask task = repos.task("shorten");
    task.env.repo_path = repos.dir() / "no-such-repo";
    auto root = tasks::swe::WorkspaceRoot::create(repos.dir() / "ws");
    REQUIRE(root.has_value());
    asio::io_context io;
    asio::thread_pool pool(2);
    auto op = verifiers::run_repro_matrix(pool, task, {repro(1, "repro-good")}, shorten_fixes(),
                                          sandbox(), *root);
    Result<ReproMatrix> matrix = async::run_sync(io, std::move(op));
    pool.join();
    REQUIRE_FALSE(matrix.has_value());
    REQUIRE(matrix.error().code == ErrorCode::not_found);
}
