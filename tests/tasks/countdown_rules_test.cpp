#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/prompt.hpp"
#include "tasks/countdown/rules.hpp"
#include "tasks/jsonl.hpp"
#include "tasks/task_kind.hpp"

using namespace braid;
using namespace braid::tasks;
using namespace braid::tasks::countdown;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Replays `ops` on `numbers` under the rules; true if they end at exactly [target].
bool replays_to(std::vector<Value> numbers, const std::vector<std::string>& ops, Value target) {
    for (const std::string& text : ops) {
        auto op = parse_operation(text);
        if (!op) return false;
        for (Value v : {op->lhs, op->rhs}) {
            auto it = std::find(numbers.begin(), numbers.end(), v);
            if (it == numbers.end()) return false;
            numbers.erase(it);
        }
        auto value = evaluate(op->lhs, op->op, op->rhs);
        if (!value || *value != op->result) return false;
        numbers.push_back(op->result);
    }
    return numbers == std::vector<Value>{target};
}

}  // namespace

TEST_CASE("Moves follow the reference: larger minus smaller and exact division only", "[tasks]") {
    auto moves = combine(22, 53);
    std::vector<std::string> shown;
    for (const Operation& m : moves) shown.push_back(format_operation(m));
    CHECK(shown == std::vector<std::string>{"22+53=75", "22*53=1166", "53-22=31"});
    shown.clear();
    for (const Operation& m : combine(52, 4)) shown.push_back(format_operation(m));
    CHECK(shown == std::vector<std::string>{"52+4=56", "52*4=208", "52-4=48", "52/4=13"});
    shown.clear();
    for (const Operation& m : combine(7, 7)) shown.push_back(format_operation(m));
    CHECK(shown == std::vector<std::string>{"7+7=14", "7*7=49", "7-7=0", "7/7=1"});
    CHECK(combine(0, 5).size() == 3);  // no division by zero

    CHECK_FALSE(evaluate(22, '-', 53).has_value());
    CHECK_FALSE(evaluate(53, '/', 22).has_value());
    CHECK_FALSE(evaluate(5, '/', 0).has_value());
    CHECK_FALSE(evaluate(5, '%', 2).has_value());
    CHECK(evaluate(52, '/', 4).value() == 13);
}

TEST_CASE("Operations and lists print and parse in the trace format", "[tasks]") {
    auto op = parse_operation("26*2=52");
    REQUIRE(op.has_value());
    CHECK(*op == Operation{26, '*', 2, 52});
    CHECK(format_operation(*op) == "26*2=52");
    CHECK_FALSE(parse_operation("26*=52").has_value());
    CHECK_FALSE(parse_operation("-3+2=1").has_value());
    CHECK_FALSE(parse_operation("2+2=four").has_value());
    CHECK(format_numbers({22, 26, 31, 53}) == "[22, 26, 31, 53]");
    CHECK(format_numbers({}) == "[]");
    CHECK(format_operations({"53-22=31", "26*2=52"}) == "['53-22=31', '26*2=52']");
    CHECK(format_operations({}) == "[]");
}

TEST_CASE("The solver finds a valid solution or reports none", "[tasks]") {
    Problem p{{22, 26, 31, 53}, 27};
    auto ops = solve(p);
    REQUIRE(ops.has_value());
    CHECK(ops->size() == 3);
    CHECK(replays_to(to_values(p.numbers), *ops, 27));

    CHECK_FALSE(solve(Problem{{1, 1}, 5}).has_value());
    CHECK(solve(Problem{{2, 3}, 6}).value() == std::vector<std::string>{"2*3=6"});
    auto six = solve(Problem{{100, 75, 50, 25, 6, 3}, 952});
    REQUIRE(six.has_value());
    CHECK(replays_to({100, 75, 50, 25, 6, 3}, *six, 952));
}

TEST_CASE("The generator is deterministic and its problems are in range and solvable", "[tasks]") {
    auto a = generate(1, 50);
    auto b = generate(1, 50);
    CHECK(a == b);
    CHECK(generate(2, 50) != a);
    REQUIRE(a.size() == 50);
    for (const Problem& p : a) {
        REQUIRE(p.numbers.size() == 4);
        for (int n : p.numbers) CHECK((n >= 1 && n <= 99));
        CHECK((p.target >= 10 && p.target <= 100));
        auto ops = solve(p);
        REQUIRE(ops.has_value());
        CHECK(replays_to(to_values(p.numbers), *ops, p.target));
    }
    // Pinned values guard the portability of the PRNG and the generator across platforms.
    CHECK(a[0] == Problem{{77, 74, 42, 99}, 60});
    CHECK(a[1] == Problem{{25, 29, 59, 12}, 43});
}

TEST_CASE("The root prompt and a child prompt are parsed back into their states", "[tasks]") {
    Problem p{{22, 26, 31, 53}, 27};
    CHECK(root_prompt(p) ==
          "Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []");
    CHECK(root_prompt(p, 10) ==
          "Sub Call Budget: 10 Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: "
          "[]");

    auto root = parse_state(root_prompt(p, 10));
    REQUIRE(root.has_value());
    CHECK(root->state == root_state(p));
    CHECK(root->sub_call_budget == 10);

    auto child = parse_state(
        "Token Budget: 1024 Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: "
        "['53-22=31']");
    REQUIRE(child.has_value());
    CHECK(child->state.node_id == "0,1");
    CHECK(child->state.numbers == std::vector<Value>{26, 31, 31});
    CHECK(child->state.operations == std::vector<std::string>{"53-22=31"});
    CHECK(child->token_budget == 1024);
    CHECK(state_prompt(child->state) ==
          "Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']");

    auto bare = parse_state("Current State: 24:[4, 6], Operations: []");
    REQUIRE(bare.has_value());
    CHECK(bare->state.node_id == "0");

    for (const char* bad :
         {"What is 2+2?", "Current State: 27:[22, x], Operations: []",
          "Current State: 27:[], Operations: []", "Current State: 27:[1, 2], Operations: ['oops']",
          "Current State: 27:[1, 2]"}) {
        INFO(bad);
        auto parsed = parse_state(bad);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == ErrorCode::parse);
    }
}

TEST_CASE("The example task files match the generator and validate as countdown tasks", "[tasks]") {
    const std::string dir = std::string(BRAID_SOURCE_DIR) + "/examples/countdown/";
    std::string expected;
    for (const std::string& line : problems_to_jsonl(generate(1, 8))) expected += line + "\n";
    CHECK(read_file(dir + "sample.jsonl") == expected);

    const TaskKind* kind = find_task_kind("countdown");
    REQUIRE(kind != nullptr);
    CHECK(find_task_kind("nope") == nullptr);
    const std::vector<std::string> names = task_kind_names();  // other kinds register beside it
    CHECK(std::count(names.begin(), names.end(), "countdown") == 1);
    for (const char* file : {"sample.jsonl", "easy.jsonl"}) {
        auto tasks = read_tasks_jsonl(dir + file);
        REQUIRE(tasks.has_value());
        CHECK_FALSE(tasks->empty());
        for (const Task& t : *tasks) {
            INFO(t.id);
            CHECK(kind->validate(t).has_value());
            auto p = problem_from_task(t);
            REQUIRE(p.has_value());
            CHECK(solve(*p).has_value());
            CHECK(kind->prompt(t) == root_prompt(*p));
        }
    }
}
