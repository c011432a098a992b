#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tasks/countdown/problem.hpp"
#include "tasks/jsonl.hpp"

using namespace braid;
using namespace braid::tasks;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("A JSONL task file is parsed into tasks, skipping blank lines", "[tasks]") {
    auto tasks = parse_tasks_jsonl(
        "{\"id\": \"cd-1\", \"kind\": \"countdown\", \"numbers\": [1, 2], \"target\": 3}\n"
        "\n   \n"
        "{\"id\": \"cd-2\", \"kind\": \"countdown\", \"numbers\": [4, 5], \"target\": 9}\r\n",
        "mem.jsonl");
    REQUIRE(tasks.has_value());
    REQUIRE(tasks->size() == 2);
    CHECK(tasks->at(0).id == "cd-1");
    CHECK(tasks->at(1).kind == "countdown");
    CHECK(tasks->at(1).input["target"] == 9);
}

TEST_CASE("A line that is not JSON is reported with the file and its line number", "[tasks]") {
    auto tasks =
        parse_tasks_jsonl("{\"id\": \"a\", \"kind\": \"countdown\"}\n\n{not json\n", "bad.jsonl");
    REQUIRE_FALSE(tasks.has_value());
    CHECK(tasks.error().code == ErrorCode::invalid_input);
    CHECK(contains(tasks.error().message, "bad.jsonl:3:"));
    CHECK(contains(tasks.error().message, "not valid JSON"));
}

TEST_CASE("A row without a string id or kind is rejected", "[tasks]") {
    auto no_id = parse_tasks_jsonl("{\"kind\": \"countdown\"}\n", "f.jsonl");
    REQUIRE_FALSE(no_id.has_value());
    CHECK(contains(no_id.error().message, "f.jsonl:1:"));
    CHECK(contains(no_id.error().message, "'id'"));

    auto numeric_id = parse_tasks_jsonl("{\"id\": 7, \"kind\": \"countdown\"}\n", "f.jsonl");
    REQUIRE_FALSE(numeric_id.has_value());
    CHECK(contains(numeric_id.error().message, "'id'"));

    auto no_kind = parse_tasks_jsonl("{\"id\": \"x\"}\n", "f.jsonl");
    REQUIRE_FALSE(no_kind.has_value());
    CHECK(contains(no_kind.error().message, "'kind'"));

    auto array_row = parse_tasks_jsonl("[1, 2]\n", "f.jsonl");
    REQUIRE_FALSE(array_row.has_value());
    CHECK(contains(array_row.error().message, "not a JSON object"));
}

TEST_CASE("A duplicate task id names both lines", "[tasks]") {
    auto tasks = parse_tasks_jsonl(
        "{\"id\": \"a\", \"kind\": \"k\"}\n{\"id\": \"b\", \"kind\": \"k\"}\n{\"id\": \"a\", "
        "\"kind\": \"k\"}\n",
        "dup.jsonl");
    REQUIRE_FALSE(tasks.has_value());
    CHECK(contains(tasks.error().message, "dup.jsonl:3:"));
    CHECK(contains(tasks.error().message, "duplicate task id 'a'"));
    CHECK(contains(tasks.error().message, "line 1"));
}

TEST_CASE("A task id with a control character is refused before anything prints it", "[tasks]") {
    for (const char* id : {R"(cd-\u001b[31mred)", R"(cd\u0000x)", R"(a\tb)", R"(del\u007f)"}) {
        auto tasks = parse_tasks_jsonl(std::string("{\"id\": \"") + id + "\", \"kind\": \"k\"}\n", "ids.jsonl");
        REQUIRE_FALSE(tasks.has_value());
        CHECK(tasks.error().code == ErrorCode::invalid_input);
        CHECK(contains(tasks.error().message, "ids.jsonl:1:"));
        CHECK(contains(tasks.error().message, "holds a control character"));
        CHECK_FALSE(contains(tasks.error().message, "\x1b"));  // the message itself stays printable
    }
    CHECK(parse_tasks_jsonl("{\"id\": \"caf\u00e9-1\", \"kind\": \"k\"}\n", "ok.jsonl").has_value());
}

TEST_CASE("A missing task file is not_found and a directory is invalid input", "[tasks]") {
    auto missing = read_tasks_jsonl("/nonexistent/braid/tasks.jsonl");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == ErrorCode::not_found);
    CHECK(contains(missing.error().message, "/nonexistent/braid/tasks.jsonl"));

    auto dir = read_tasks_jsonl(std::filesystem::temp_directory_path().string());
    REQUIRE_FALSE(dir.has_value());
    CHECK(dir.error().code == ErrorCode::invalid_input);
}

TEST_CASE("A task file on disk is read", "[tasks]") {
    auto path = std::filesystem::temp_directory_path() / "braid_tasks_jsonl_test.jsonl";
    {
        std::ofstream out(path);
        out << "{\"id\": \"cd-1\", \"kind\": \"countdown\", \"numbers\": [22, 26, 31, 53], "
               "\"target\": 27}\n";
    }
    auto tasks = read_tasks_jsonl(path.string());
    std::filesystem::remove(path);
    REQUIRE(tasks.has_value());
    REQUIRE(tasks->size() == 1);
    CHECK(tasks->at(0).id == "cd-1");
}

TEST_CASE("JSONL lines are written with Python's json.dumps spacing", "[tasks]") {
    countdown::Problem p{{22, 26, 31, 53}, 27};
    CHECK(to_jsonl_line(countdown::problem_to_json("cd-1", p)) ==
          "{\"id\": \"cd-1\", \"kind\": \"countdown\", \"numbers\": [22, 26, 31, 53], \"target\": "
          "27}");
    CHECK(to_jsonl_line(nlohmann::json::parse(R"({"a": {"b": [], "c": "x\"y"}, "d": null})")) ==
          R"({"a": {"b": [], "c": "x\"y"}, "d": null})");
}

TEST_CASE("A countdown row is read into a problem and bad fields name the task and field",
          "[tasks]") {
    auto task_of = [](const std::string& row) {
        auto parsed = parse_tasks_jsonl(row, "t.jsonl");
        REQUIRE(parsed.has_value());
        return parsed->front();
    };
    auto ok = countdown::problem_from_task(task_of(
        R"({"id": "cd-1", "kind": "countdown", "numbers": [22, 26, 31, 53], "target": 27})"));
    REQUIRE(ok.has_value());
    CHECK(ok->numbers == std::vector<int>{22, 26, 31, 53});
    CHECK(ok->target == 27);

    struct Case {
        const char* row;
        const char* expect;
    };
    const Case cases[] = {
        {R"({"id": "x1", "kind": "math", "numbers": [1, 2], "target": 3})", "kind is 'math'"},
        {R"({"id": "x2", "kind": "countdown", "target": 3})", "missing field 'numbers'"},
        {R"({"id": "x3", "kind": "countdown", "numbers": "1,2", "target": 3})", "field 'numbers'"},
        {R"({"id": "x4", "kind": "countdown", "numbers": [1], "target": 3})", "2 to 6 numbers"},
        {R"({"id": "x5", "kind": "countdown", "numbers": [1, 2, 3, 4, 5, 6, 7], "target": 3})",
         "2 to 6 numbers"},
        {R"({"id": "x6", "kind": "countdown", "numbers": [1, 0], "target": 3})", "item 1"},
        {R"({"id": "x7", "kind": "countdown", "numbers": [1, 10001], "target": 3})", "item 1"},
        {R"({"id": "x8", "kind": "countdown", "numbers": [1, 2.5], "target": 3})", "item 1"},
        {R"({"id": "x9", "kind": "countdown", "numbers": [1, 2]})", "missing field 'target'"},
        {R"({"id": "x10", "kind": "countdown", "numbers": [1, 2], "target": -3})",
         "field 'target'"},
        {R"({"id": "x11", "kind": "countdown", "numbers": [1, 2], "target": "3"})",
         "field 'target'"},
    };
    for (const Case& c : cases) {
        INFO(c.row);
        auto p = countdown::problem_from_task(task_of(c.row));
        REQUIRE_FALSE(p.has_value());
        CHECK(p.error().code == ErrorCode::invalid_input);
        CHECK(contains(p.error().message, c.expect));
        CHECK(contains(p.error().message, "task 'x"));
    }
}
