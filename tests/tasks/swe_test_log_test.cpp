#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tasks/swe/grading.hpp"
#include "tasks/swe/test_log.hpp"

using namespace braid;
using namespace braid::tasks::swe;

namespace {

TestStatusMap parse(std::string_view parser, std::string_view log, const std::string& regex = {}) {
    auto parsed = parse_test_log(parser, log, regex);
    REQUIRE(parsed.has_value());
    return *parsed;
}

// Captured from pytest 7.2 `-rA` (the short summary) on a file with every outcome.
constexpr std::string_view kPytestSummary = R"(============ short test summary info ============
PASSED tests/test_mix.py::test_ok
PASSED tests/test_mix.py::test_param[a b]
PASSED tests/test_mix.py::test_param[longlonglonglonglong]
SKIPPED [1] tests/test_mix.py:9: later
XFAIL tests/test_mix.py::test_xf
XPASS tests/test_mix.py::test_xp 
ERROR tests/test_mix.py::test_err - RuntimeError: boom
FAILED tests/test_mix.py::test_bad - assert 1 == 2
FAILED tests/test_mix.py::test_param[x-1] - AssertionError: assert 'x-1' != '...
==== 2 failed, 3 passed, 1 skipped, 1 xfailed, 1 xpassed, 1 error in 0.23s =====
)";

// The same file under `pytest -v`.
constexpr std::string_view kPytestVerbose =
    R"(tests/test_mix.py::test_ok PASSED                                        [ 11%]
tests/test_mix.py::test_bad FAILED                                       [ 22%]
tests/test_mix.py::test_skip SKIPPED (later)                             [ 33%]
tests/test_mix.py::test_xf XFAIL                                         [ 44%]
tests/test_mix.py::test_err ERROR                                        [ 66%]
tests/test_mix.py::test_param[a b] PASSED                                [ 77%]
tests/test_mix.py::test_param[x-1] FAILED                                [ 88%]
)";

// Captured from Python 3.11 `python -m unittest -v`.
constexpr std::string_view kUnittest = R"(test_doc (tests.test_u.T.test_doc)
Checks a thing. ... ok
test_err (tests.test_u.T.test_err) ... ERROR
test_fail (tests.test_u.T.test_fail) ... FAIL
test_ok (tests.test_u.T.test_ok) ... ok
test_prints (tests.test_u.T.test_prints) ... noiseok
test_skip (tests.test_u.T.test_skip) ... skipped 'later'
test_xf (tests.test_u.T.test_xf) ... expected failure
test_xp (tests.test_u.T.test_xp) ... unexpected success
test_old (tests.test_u.Old) ... ok
======================================================================
FAIL: test_fail (tests.test_u.T.test_fail)
----------------------------------------------------------------------
Ran 9 tests in 0.008s
)";

}  // namespace

TEST_CASE("The pytest parser reads -rA summary lines, with FAILED messages and spaces in ids",
          "[tasks][swe]") {
    TestStatusMap s = parse("pytest", kPytestSummary);
    REQUIRE(s.at("tests/test_mix.py::test_ok") == TestStatus::passed);
    REQUIRE(s.at("tests/test_mix.py::test_param[a b]") == TestStatus::passed);
    REQUIRE(s.at("tests/test_mix.py::test_xf") == TestStatus::xfail);
    REQUIRE(s.at("tests/test_mix.py::test_xp") == TestStatus::passed);
    REQUIRE(s.at("tests/test_mix.py::test_err") == TestStatus::error);
    REQUIRE(s.at("tests/test_mix.py::test_bad") == TestStatus::failed);
    REQUIRE(s.at("tests/test_mix.py::test_param[x-1]") == TestStatus::failed);
    REQUIRE(s.size() == 8);  // the "SKIPPED [1] file:9" line names no test
}

TEST_CASE("The pytest parser reads the verbose '<id> STATUS [ n%]' form", "[tasks][swe]") {
    TestStatusMap s = parse("pytest", kPytestVerbose);
    REQUIRE(s.size() == 7);
    REQUIRE(s.at("tests/test_mix.py::test_skip") == TestStatus::skipped);
    REQUIRE(s.at("tests/test_mix.py::test_param[a b]") == TestStatus::passed);
    REQUIRE(s.at("tests/test_mix.py::test_param[x-1]") == TestStatus::failed);
    REQUIRE(s.at("tests/test_mix.py::test_xf") == TestStatus::xfail);
    REQUIRE(parse("pytest", "\x1b[32mPASSED\x1b[0m t.py::test_a\n").at("t.py::test_a") ==
            TestStatus::passed);
    REQUIRE(parse("pytest", "collected 0 items\n\nno tests ran in 0.01s\n").empty());
}

TEST_CASE("The pytest parser's verbose ids keep no space when two precede the status",
          "[tasks][swe]") {
    // Found by the test_log fuzz target: the id used to keep the first space.
    TestStatusMap s = parse("pytest", "t.py::test_a  FAILED [ 50%]\n");
    REQUIRE(s.size() == 1);
    REQUIRE(s.at("t.py::test_a") == TestStatus::failed);
}

TEST_CASE("The unittest parser reads -v lines, late outcomes and both id forms", "[tasks][swe]") {
    TestStatusMap s = parse("unittest", kUnittest);
    REQUIRE(s.at("tests.test_u.T.test_doc") == TestStatus::passed);
    REQUIRE(s.at("tests.test_u.T.test_err") == TestStatus::error);
    REQUIRE(s.at("tests.test_u.T.test_fail") == TestStatus::failed);
    REQUIRE(s.at("tests.test_u.T.test_ok") == TestStatus::passed);
    REQUIRE(s.at("tests.test_u.T.test_prints") == TestStatus::passed);
    REQUIRE(s.at("tests.test_u.T.test_skip") == TestStatus::skipped);
    REQUIRE(s.at("tests.test_u.T.test_xf") == TestStatus::xfail);
    REQUIRE(s.at("tests.test_u.T.test_xp") == TestStatus::failed);
    REQUIRE(s.at("tests.test_u.Old.test_old") == TestStatus::passed);  // Python < 3.11 form
    REQUIRE(s.size() == 9);
}

TEST_CASE("The regex parser applies named groups test and status per line", "[tasks][swe]") {
    const std::string regex = R"(^TEST (?<test>\S+) \.\.\. (?<status>[A-Za-z]+)$)";
    TestStatusMap s =
        parse("regex",
              "TEST m.test_a ... PASS\nTraceback (most recent call last):\nTEST m.test_b ... FAIL\n"
              "TEST m.test_c ... ERROR\nTEST m.test_d ... skipped\nTEST m.test_e ... weird\n",
              regex);
    REQUIRE(s.size() == 4);
    REQUIRE(s.at("m.test_a") == TestStatus::passed);
    REQUIRE(s.at("m.test_b") == TestStatus::failed);
    REQUIRE(s.at("m.test_c") == TestStatus::error);
    REQUIRE(s.at("m.test_d") == TestStatus::skipped);
    // Groups may come in any order, after unnamed and non-capturing groups.
    TestStatusMap swapped = parse("regex", "ok 3 - (x) name_1\n",
                                  R"(^(?:ok|not ok) (\d+) - \((?<status>\w+)\) (?<test>\w+))");
    REQUIRE(swapped.empty());  // "x" is no status word
    swapped = parse("regex", "ok 3 - (pass) name_1\n",
                    R"(^(?:ok|not ok) (\d+) - \((?<status>\w+)\) (?<test>\w+))");
    REQUIRE(swapped.at("name_1") == TestStatus::passed);
}

TEST_CASE("The regex parser skips a line too long for std::regex instead of overflowing the stack",
          "[tasks][swe]") {
    // A test that prints a 100 KB line: std::regex's recursion used to crash on it (SIGSEGV).
    const std::string regex = R"(^\[(?<status>[a-z]+)\]\s*(?<test>.*)$)";
    std::string log = "[ok] " + std::string(100'000, 'a') + "\n[failed] short_test\n";
    TestStatusMap s = parse("regex", log, regex);
    REQUIRE(s.size() == 1);
    REQUIRE(s.at("short_test") == TestStatus::failed);
}

TEST_CASE("parse_test_log rejects an unknown parser and a bad regex", "[tasks][swe]") {
    REQUIRE(parse_test_log("jest", "").error().code == ErrorCode::invalid_input);
    REQUIRE_THAT(parse_test_log("regex", "", "(?<test>a)(?<status>b").error().message,
                 Catch::Contains("compile"));
    REQUIRE_THAT(parse_test_log("regex", "", "(?<test>a) (b)").error().message,
                 Catch::Contains("named groups"));
}

TEST_CASE("find_status matches exactly, else a unique key the name is a prefix of",
          "[tasks][swe]") {
    TestStatusMap s = {{"t.py::test_a[very long param", TestStatus::passed},
                       {"t.py::test_b[x-1]", TestStatus::failed},
                       {"t.py::test_b[x-2]", TestStatus::passed},
                       {"t.py::test_c", TestStatus::skipped}};
    REQUIRE(*find_status(s, "t.py::test_c") == TestStatus::skipped);
    REQUIRE(*find_status(s, "t.py::test_a[very") == TestStatus::passed);  // truncated id
    REQUIRE(find_status(s, "t.py::test_b[x") == nullptr);                 // ambiguous
    REQUIRE(find_status(s, "t.py::test_d") == nullptr);
}

TEST_CASE("grade_statuses follows the harness: SKIPPED fails F2P but keeps P2P, XFAIL passes",
          "[tasks][swe]") {
    SweTask task;
    task.instance_id = "x__y-1";
    task.fail_to_pass = {"f1", "f2"};
    task.pass_to_pass = {"p1", "p2"};
    auto grade = [&task](TestStatusMap s) { return grade_statuses(task, s); };
    using S = TestStatus;

    GradeReport full =
        grade({{"f1", S::passed}, {"f2", S::xfail}, {"p1", S::passed}, {"p2", S::skipped}});
    REQUIRE(full.resolution == Resolution::full);
    REQUIRE(full.resolved);
    REQUIRE(full.pass_to_pass.success == std::vector<std::string>{"p1", "p2"});

    GradeReport skipped_f2p =
        grade({{"f1", S::passed}, {"f2", S::skipped}, {"p1", S::passed}, {"p2", S::passed}});
    REQUIRE(skipped_f2p.resolution == Resolution::partial);
    REQUIRE_FALSE(skipped_f2p.resolved);
    REQUIRE(skipped_f2p.fail_to_pass.failure == std::vector<std::string>{"f2"});

    GradeReport missing = grade({{"f1", S::passed}, {"p1", S::passed}, {"p2", S::passed}});
    REQUIRE(missing.resolution == Resolution::partial);
    REQUIRE(missing.fail_to_pass.failure == std::vector<std::string>{"f2"});

    GradeReport regressed =
        grade({{"f1", S::passed}, {"f2", S::passed}, {"p1", S::error}, {"p2", S::passed}});
    REQUIRE(regressed.resolution == Resolution::no);
    REQUIRE(regressed.pass_to_pass.failure == std::vector<std::string>{"p1"});

    GradeReport none =
        grade({{"f1", S::failed}, {"f2", S::error}, {"p1", S::passed}, {"p2", S::passed}});
    REQUIRE(none.resolution == Resolution::no);
    REQUIRE(none.fail_to_pass.failure.size() == 2);

    task.env.eval_type = "fail_only";  // only a present FAILED/ERROR fails
    GradeReport fail_only = grade({{"f1", S::skipped}, {"p1", S::passed}});
    REQUIRE(fail_only.resolution == Resolution::full);
    REQUIRE(grade({{"f1", S::failed}, {"p1", S::passed}}).resolution == Resolution::partial);
    REQUIRE(grade({{"p2", S::error}}).resolution == Resolution::no);
}

TEST_CASE("A grade report serializes with the harness's report.json field names", "[tasks][swe]") {
    SweTask task;
    task.instance_id = "x__y-1";
    task.fail_to_pass = {"f1"};
    GradeReport report = grade_statuses(task, {{"f1", TestStatus::failed}});
    report.patch_exists = true;
    report.patch_successfully_applied = true;
    nlohmann::json j = report.to_json();
    const nlohmann::json& body = j.at("x__y-1");
    REQUIRE(body.at("patch_is_None") == false);
    REQUIRE(body.at("patch_exists") == true);
    REQUIRE(body.at("patch_successfully_applied") == true);
    REQUIRE(body.at("resolved") == false);
    REQUIRE(body.at("tests_status").at("FAIL_TO_PASS").at("failure") ==
            nlohmann::json::array({"f1"}));
    REQUIRE(body.at("tests_status").at("PASS_TO_PASS").at("success").empty());
    REQUIRE(body.contains("/tests_status/FAIL_TO_FAIL"_json_pointer));
    REQUIRE(body.contains("/tests_status/PASS_TO_FAIL"_json_pointer));
    REQUIRE(to_string(report.resolution) == "RESOLVED_NO");
}

TEST_CASE("regressions lists tests that passed at base and no longer pass, sorted",
          "[tasks][swe]") {
    using S = TestStatus;
    TestStatusMap base = {
        {"a", S::passed}, {"b", S::passed}, {"c", S::failed}, {"d", S::passed}, {"e", S::passed}};
    TestStatusMap after = {{"a", S::failed}, {"c", S::failed}, {"d", S::skipped}, {"e", S::passed}};
    REQUIRE(regressions(base, after) == std::vector<std::string>{"a", "b"});
}
