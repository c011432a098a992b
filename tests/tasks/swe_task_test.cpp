#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tasks/jsonl.hpp"
#include "tasks/swe/swe_kind.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tests/support/swe_fixtures.hpp"

using namespace braid;
using namespace braid::tasks::swe;
using nlohmann::json;

namespace {

json minimal_row() {
    return json{{"instance_id", "calc__calc-1"},
                {"repo", "examples/calc"},
                {"base_commit", "abc123"},
                {"problem_statement", "Division by zero crashes."},
                {"FAIL_TO_PASS", {"tests/test_ops.py::test_div"}},
                {"PASS_TO_PASS", json::array()},
                {"patch", "diff --git a/x b/x\n"},
                {"test_patch", ""},
                {"env", {{"repo_path", "repos/calc"}}}};
}

std::string error_of(const json& row) {
    auto parsed = parse_swe_task(row);
    REQUIRE_FALSE(parsed.has_value());
    REQUIRE(parsed.error().code == ErrorCode::invalid_input);
    return parsed.error().message;
}

}  // namespace

TEST_CASE("A SWE row parses with env defaults and FAIL_TO_PASS given as a list", "[tasks][swe]") {
    auto parsed = parse_swe_task(minimal_row());
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->instance_id == "calc__calc-1");
    REQUIRE(parsed->fail_to_pass == std::vector<std::string>{"tests/test_ops.py::test_div"});
    REQUIRE(parsed->pass_to_pass.empty());
    REQUIRE(parsed->env.repo_path == "repos/calc");
    REQUIRE(parsed->env.log_parser == "pytest");
    REQUIRE(parsed->env.eval_type == "pass_and_fail");
    REQUIRE(parsed->env.timeout_s == 1800);
    REQUIRE_FALSE(parsed->env.network);
}

TEST_CASE("FAIL_TO_PASS and PASS_TO_PASS may be JSON strings, as Hugging Face stores them",
          "[tasks][swe]") {
    json row = minimal_row();
    row["FAIL_TO_PASS"] = R"(["a::b", "a::c[1-2]"])";
    row["PASS_TO_PASS"] = "[]";
    auto parsed = parse_swe_task(row);
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->fail_to_pass == std::vector<std::string>{"a::b", "a::c[1-2]"});
    row["PASS_TO_PASS"] = "not json";
    REQUIRE_THAT(error_of(row), Catch::Contains("PASS_TO_PASS") && Catch::Contains("calc__calc-1"));
    row["PASS_TO_PASS"] = json::array({1, 2});
    REQUIRE_THAT(error_of(row), Catch::Contains("PASS_TO_PASS"));
}

TEST_CASE("SWE rows missing a required field are rejected naming the instance and the field",
          "[tasks][swe]") {
    for (const char* key :
         {"repo", "base_commit", "problem_statement", "FAIL_TO_PASS", "PASS_TO_PASS"}) {
        json row = minimal_row();
        row.erase(key);
        INFO(key);
        REQUIRE_THAT(error_of(row),
                     Catch::Contains(key) && Catch::Contains("instance 'calc__calc-1'"));
    }
    json row = minimal_row();
    row.erase("instance_id");
    REQUIRE_THAT(error_of(row), Catch::Contains("instance_id"));
    row = minimal_row();
    row["base_commit"] = 12;
    REQUIRE_THAT(error_of(row), Catch::Contains("base_commit"));
}

TEST_CASE("A bad env block is rejected naming the env field", "[tasks][swe]") {
    auto with_env = [](json env) {
        json row = minimal_row();
        row["env"] = std::move(env);
        return row;
    };
    json row = minimal_row();
    row.erase("env");
    REQUIRE_THAT(error_of(row), Catch::Contains("env.repo_path"));
    REQUIRE_THAT(error_of(with_env("repos/calc")), Catch::Contains("'env'"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", 3}})), Catch::Contains("env.repo_path"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"log_parser", "jest"}})),
                 Catch::Contains("env.log_parser") && Catch::Contains("jest"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"eval_type", "all"}})),
                 Catch::Contains("env.eval_type"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"timeout_s", 0}})),
                 Catch::Contains("env.timeout_s"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"command_timeout_s", "5"}})),
                 Catch::Contains("env.command_timeout_s"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"disk_quota_mb", 0}})),
                 Catch::Contains("env.disk_quota_mb") && Catch::Contains("positive"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"disk_quota_mb", kMaxDiskQuotaMb + 1}})),
                 Catch::Contains("env.disk_quota_mb") && Catch::Contains("at most"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"max_patch_kb", kMaxPatchKb + 1}})),
                 Catch::Contains("env.max_patch_kb") && Catch::Contains("at most"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"network", "yes"}})),
                 Catch::Contains("env.network"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"setup", "pip install"}})),
                 Catch::Contains("env.setup"));
    REQUIRE_THAT(error_of(with_env({{"repo_path", "r"}, {"log_parser", "regex"}})),
                 Catch::Contains("env.log_regex"));
    REQUIRE_THAT(
        error_of(with_env(
            {{"repo_path", "r"}, {"log_parser", "regex"}, {"log_regex", "^(\\S+) (\\w+)$"}})),
        Catch::Contains("env.log_regex") && Catch::Contains("named groups"));
    REQUIRE_THAT(error_of(with_env(
                     {{"repo_path", "r"}, {"log_parser", "regex"}, {"log_regex", "(?<test>[a-"}})),
                 Catch::Contains("env.log_regex"));
    auto ok = parse_swe_task(with_env({{"repo_path", "r"},
                                       {"log_parser", "regex"},
                                       {"log_regex", "^(?<test>\\S+) (?<status>\\w+)$"},
                                       {"eval_type", "fail_only"},
                                       {"network", true},
                                       {"disk_quota_mb", 512},
                                       {"max_patch_kb", 100},
                                       {"setup", {"echo hi"}}}));
    REQUIRE(ok.has_value());
    CHECK(ok->env.disk_quota_mb == 512);
    CHECK(ok->env.max_patch_kb == 100);
    REQUIRE(ok->env.network);
    REQUIRE(ok->env.setup == std::vector<std::string>{"echo hi"});
}

TEST_CASE("resolve_repo_path makes a relative repo_path absolute and leaves an absolute one",
          "[tasks][swe]") {
    json row = minimal_row();
    resolve_repo_path(row, "/data/tasks");
    REQUIRE(row["env"]["repo_path"] == "/data/tasks/repos/calc");
    row["env"]["repo_path"] = "/abs/repo";
    resolve_repo_path(row, "/data/tasks");
    REQUIRE(row["env"]["repo_path"] == "/abs/repo");
}

TEST_CASE("files_in_diff lists the b/ side, and the a/ side for a deletion, in order",
          "[tasks][swe]") {
    std::string diff =
        "diff --git a/src/x.py b/src/x.py\n--- a/src/x.py\n+++ b/src/x.py\n@@ -1 +1 @@\n-a\n+b\n"
        "diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py\n@@ -0,0 "
        "+1 @@\n+x\n"
        "diff --git a/old.py b/old.py\ndeleted file mode 100644\n--- a/old.py\n+++ /dev/null\n@@ "
        "-1 +0,0 @@\n-x\n";
    REQUIRE(files_in_diff(diff) == std::vector<std::string>{"src/x.py", "new.py", "old.py"});
    REQUIRE(files_in_diff("").empty());
}

TEST_CASE("A prediction line has the harness's three fields in json.dumps spacing",
          "[tasks][swe]") {
    Prediction p;
    p.instance_id = "a__b-1";
    p.model_name_or_path = "braid";
    p.model_patch = "diff\n";
    REQUIRE(to_prediction_line(p) ==
            R"({"instance_id": "a__b-1", "model_name_or_path": "braid", "model_patch": "diff\n"})");
}

TEST_CASE("The swe kind is registered; its prompt holds the issue and hints but no hidden field",
          "[tasks][swe]") {
    const tasks::TaskKind* kind = tasks::find_task_kind("swe");
    REQUIRE(kind != nullptr);
    json row = minimal_row();
    row["hints_text"] = "Look at ops.py.";
    row["patch"] = "SECRET-GOLD-PATCH";
    row["test_patch"] = "SECRET-TEST-PATCH";
    tasks::Task task{"calc__calc-1", "swe", row};
    REQUIRE(kind->validate(task).has_value());
    std::string prompt = kind->prompt(task);
    REQUIRE_THAT(
        prompt, Catch::Contains("Division by zero crashes.") && Catch::Contains("Look at ops.py."));
    REQUIRE_THAT(prompt, !Catch::Contains("SECRET") && !Catch::Contains("test_div"));
    REQUIRE(kind->prepare(task, "/data").has_value());
    REQUIRE(task.input["env"]["repo_path"] == "/data/repos/calc");
    task.input.erase("base_commit");
    REQUIRE_THAT(kind->validate(task).error().message, Catch::Contains("base_commit"));
}

TEST_CASE("normalize_patch keeps substantive +/- lines per file and drops whitespace-only changes",
          "[tasks][swe]") {
    std::string a =
        "diff --git a/b.py b/b.py\n--- a/b.py\n+++ b/b.py\n@@ -1,3 +1,3 @@\n ctx\n-x = 1\n+x = 2   "
        "\n"
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -10,2 +10,3 @@\n-def f( a ):\n+def "
        "f(a):\n+\n keep\n";
    // Same change, other context, other hunk positions, files in the other order.
    std::string b =
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -12,1 +12,1 @@\n-def f(a):\n+def f( "
        "a ):\n"
        "diff --git a/b.py b/b.py\n--- a/b.py\n+++ b/b.py\n@@ -5,2 +5,2 @@\n other\n-x = 1\n+x = "
        "2\n";
    REQUIRE(normalize_patch(a) == normalize_patch(b));
    REQUIRE(normalize_patch(a) == "--- b.py\n-x = 1\n+x = 2\n");
    REQUIRE(
        normalize_patch("diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-y\n+  y\n")
            .empty());
    REQUIRE(normalize_patch("").empty());
    // A removed line that itself starts with "--" stays a hunk line.
    REQUIRE(normalize_patch("--- a/c.sql\n+++ b/c.sql\n@@ -1,1 +1,1 @@\n--- note\n+-- Note\n") ==
            "--- c.sql\n--- note\n+-- Note\n");
}

TEST_CASE("normalize_patch drops comment-only lines and trailing whitespace by file language",
          "[tasks][swe]") {
    // Two fixes that differ only in comments and trailing whitespace.
    std::string plain =
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n def f(x):\n-    "
        "return x\n+    return x + 1\n";
    std::string commented =
        "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,4 @@\n def f(x):\n-    # "
        "old note\n-    return x\n+    # off by one: see the issue\n+    return x + 1   \t\n+#\n";
    REQUIRE(normalize_patch(commented) == normalize_patch(plain));
    REQUIRE(normalize_patch(plain) == "--- m.py\n-    return x\n+    return x + 1\n");
    // A change of comments only is no substantive change.
    REQUIRE(normalize_patch("--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-# a\n+  # b\n").empty());
    // C-like files: `//` lines go, `#` lines (preprocessor) stay.
    REQUIRE(normalize_patch("--- a/x.cpp\n+++ b/x.cpp\n@@ -1,2 +1,3 @@\n-// old\n+  // new\n"
                            "+#include <map>\n int a;\n") == "--- x.cpp\n+#include <map>\n");
    // In Python `//` is an operator, and files of unknown languages keep every line.
    REQUIRE(normalize_patch("--- a/m.py\n+++ b/m.py\n@@ -1 +1 @@\n-    // 2\n+    // 3\n") ==
            "--- m.py\n-    // 2\n+    // 3\n");
    REQUIRE(normalize_patch("--- a/notes.txt\n+++ b/notes.txt\n@@ -1 +1 @@\n-# a\n+# b\n") ==
            "--- notes.txt\n-# a\n+# b\n");
}

TEST_CASE("normalize_patch gives the example gold fix and a commented copy of it one key",
          "[tasks][swe]") {
    std::string gold = test::example_patch("shorten", "gold");
    std::string commented = gold;
    const std::string line = "+    if width <= len(suffix):\n";
    auto at = commented.find(line);
    REQUIRE(at != std::string::npos);
    // One more added line: the hunk header's counts grow by one.
    commented.insert(at, "+    # The suffix alone may not fit.\n");
    auto header = commented.find("@@ -4,12 +4,18 @@");
    REQUIRE(header != std::string::npos);
    commented.replace(header, 17, "@@ -4,12 +4,19 @@");
    REQUIRE_FALSE(normalize_patch(gold).empty());
    REQUIRE(normalize_patch(commented) == normalize_patch(gold));
}

TEST_CASE("split_test_files separates test files from the fix", "[tasks][swe]") {
    std::string fix =
        "diff --git a/pkg/ops.py b/pkg/ops.py\n--- a/pkg/ops.py\n+++ b/pkg/ops.py\n@@ -1 +1 "
        "@@\n-a\n+b\n";
    std::string t1 =
        "diff --git a/tests/helpers.py b/tests/helpers.py\n--- a/tests/helpers.py\n+++ "
        "b/tests/helpers.py\n"
        "@@ -1 +1 @@\n-a\n+b\n";
    std::string t2 =
        "diff --git a/pkg/test_ops.py b/pkg/test_ops.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/pkg/test_ops.py\n@@ -0,0 +1 @@\n+x\n";
    std::string t3 =
        "diff --git a/pkg/ops_test.py b/pkg/ops_test.py\n--- a/pkg/ops_test.py\n+++ "
        "b/pkg/ops_test.py\n"
        "@@ -1 +1 @@\n-a\n+b\n";
    std::string not_test =
        "diff --git a/pkg/testing.py b/pkg/testing.py\n--- a/pkg/testing.py\n"
        "+++ b/pkg/testing.py\n@@ -1 +1 @@\n-a\n+b\n";
    SplitPatch split = split_test_files(t1 + fix + t2 + not_test + t3);
    REQUIRE(split.fix == fix + not_test);
    REQUIRE(split.tests == t1 + t2 + t3);
}

TEST_CASE("The example task file loads as three valid swe rows", "[tasks][swe]") {
    auto rows =
        tasks::read_tasks_jsonl(std::string(BRAID_SOURCE_DIR) + "/examples/swe/tasks.jsonl");
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 3);
    const tasks::TaskKind& kind = *tasks::find_task_kind("swe");
    std::vector<std::string> parsers;
    for (tasks::Task& task : *rows) {
        REQUIRE(task.kind == "swe");
        REQUIRE(kind.validate(task).has_value());
        REQUIRE(kind.prepare(task, std::string(BRAID_SOURCE_DIR) + "/examples/swe").has_value());
        auto parsed = parse_swe_task(task.input);
        REQUIRE(parsed->env.repo_path.is_absolute());
        REQUIRE_FALSE(parsed->fail_to_pass.empty());
        parsers.push_back(parsed->env.log_parser);
    }
    REQUIRE(parsers == std::vector<std::string>{"pytest", "unittest", "regex"});
    REQUIRE((*rows)[1].input["FAIL_TO_PASS"].is_string());  // as Hugging Face stores it
}
