#include <catch2/catch.hpp>

#include "tasks/countdown/checker.hpp"
#include "tasks/task_kind.hpp"

using namespace braid::tasks;
using namespace braid::tasks::countdown;

namespace {

const Problem kProblem{{22, 26, 31, 53}, 27};

// The path 53-22=31, 31/31=1, 26+1=27 as the clean replay a search writes after its goal line.
const std::string kReplay =
    "Moving to Node #0\n"
    "Current State: 27:[22, 26, 31, 53], Operations: []\n"
    "Exploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n"
    "Generated Node #0,0: 27:[26, 31, 31] Operation: 53-22=31\n"
    "Moving to Node #0,0\n"
    "Current State: 27:[26, 31, 31], Operations: ['53-22=31']\n"
    "Exploring Operation: 31/31=1, Resulting Numbers: [26, 1]\n"
    "Generated Node #0,0,0: 27:[26, 1] Operation: 31/31=1\n"
    "Moving to Node #0,0,0\n"
    "Current State: 27:[26, 1], Operations: ['53-22=31', '31/31=1']\n"
    "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n"
    "27,27 equal: Goal Reached\n";

// A completion: some exploration (including a dead branch), the goal, then the replay.
const std::string kSolved =
    "\nExploring Operation: 22+26=48, Resulting Numbers: [31, 53, 48]\n"
    "Generated Node #0,0: 27:[31, 53, 48] Operation: 22+26=48\n"
    "Exploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n"
    "Generated Node #0,1: 27:[26, 31, 31] Operation: 53-22=31\n"
    "Moving to Node #0,1\n"
    "Current State: 27:[26, 31, 31], Operations: ['53-22=31']\n"
    "Exploring Operation: 31/31=1, Resulting Numbers: [26, 1]\n"
    "Generated Node #0,1,0: 27:[26, 1] Operation: 31/31=1\n"
    "Moving to Node #0,1,0\n"
    "Current State: 27:[26, 1], Operations: ['53-22=31', '31/31=1']\n"
    "Exploring Operation: 26*1=26, Resulting Numbers: [26]\n"
    "26,27 unequal: No Solution\n"
    "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n"
    "27,27 equal: Goal Reached\n" +
    kReplay;

// A trace whose replayed path is made of `path_lines` (after the root state line).
std::string with_path(const std::string& path_lines) {
    return "27,27 equal: Goal Reached\nMoving to Node #0\nCurrent State: 27:[22, 26, 31, 53], "
           "Operations: []\n" +
           path_lines;
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("A valid search trace passes the checker and yields its solution path", "[tasks]") {
    CheckResult r = check_trace(kProblem, kSolved);
    CHECK(r.solved);
    CHECK(r.reason == "ok");
    CHECK(r.operations == std::vector<std::string>{"53-22=31", "31/31=1", "26+1=27"});
    CHECK(normalized_answer(r) == "(((53-22)/31)+26)");

    // The same text with the prompt in front, and checked through the prompt, gives the same
    // verdict.
    const std::string prompt =
        "Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []";
    CHECK(check_trace(kProblem, prompt + kSolved).solved);
    CHECK(check_prompt_trace(prompt, kSolved).solved);
    CHECK(check_prompt_trace("Sub Call Budget: 4 " + prompt, kSolved).solved);
}

TEST_CASE("The checker verifies a child's path from the child's own state", "[tasks]") {
    const std::string child_prompt =
        "Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']";
    const std::string child_trace =
        "\nExploring Operation: 31/31=1, Resulting Numbers: [26, 1]\n"
        "Generated Node #0,1,0: 27:[26, 1] Operation: 31/31=1\n"
        "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n"
        "27,27 equal: Goal Reached\n"
        "Moving to Node #0,1\n"
        "Current State: 27:[26, 31, 31], Operations: ['53-22=31']\n"
        "Exploring Operation: 31/31=1, Resulting Numbers: [26, 1]\n"
        "Generated Node #0,1,0: 27:[26, 1] Operation: 31/31=1\n"
        "Moving to Node #0,1,0\n"
        "Current State: 27:[26, 1], Operations: ['53-22=31', '31/31=1']\n"
        "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n"
        "27,27 equal: Goal Reached\n";
    CheckResult r = check_prompt_trace(child_prompt, child_trace);
    CHECK(r.solved);
    CHECK(r.operations == std::vector<std::string>{"31/31=1", "26+1=27"});
    CHECK_FALSE(check_trace(kProblem, child_trace).solved);  // 31/31 needs two 31s
}

TEST_CASE("The checker rejects each kind of invalid path with a reason", "[tasks]") {
    struct Case {
        std::string name;
        std::string trace;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {"operand missing",
         with_path("Exploring Operation: 53-20=33, Resulting Numbers: [22, 26, 31, 33]\n27,27 "
                   "equal: Goal Reached\n"),
         "uses a number not in [22, 26, 31, 53]"},
        {"operand used twice",
         with_path("Exploring Operation: 22+22=44, Resulting Numbers: [26, 31, 53, 44]\n27,27 "
                   "equal: Goal Reached\n"),
         "uses a number not in"},
        {"wrong arithmetic",
         with_path("Exploring Operation: 53-22=30, Resulting Numbers: [26, 31, 30]\n27,27 equal: "
                   "Goal Reached\n"),
         "wrong arithmetic"},
        {"wrong resulting list",
         with_path("Exploring Operation: 53-22=31, Resulting Numbers: [26, 31]\n27,27 equal: Goal "
                   "Reached\n"),
         "the numbers are [26, 31, 31], not [26, 31]"},
        {"negative subtraction",
         with_path("Exploring Operation: 22-53=31, Resulting Numbers: [26, 31, 31]\n27,27 equal: "
                   "Goal Reached\n"),
         "is negative"},
        {"inexact division",
         with_path("Exploring Operation: 53/26=2, Resulting Numbers: [22, 31, 2]\n27,27 equal: "
                   "Goal Reached\n"),
         "not an exact division"},
        {"goal declared too early",
         with_path("Exploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n27,27 equal: "
                   "Goal Reached\n"),
         "'Goal Reached' declared with numbers [26, 31, 31], not [27]"},
        {"malformed line",
         with_path("Exploring Operation: fifty-three minus 22\n27,27 equal: Goal Reached\n"),
         "malformed line"},
        {"goal never reached",
         "\nExploring Operation: 22+26=48, Resulting Numbers: [31, 53, 48]\n48,27 unequal: No "
         "Solution\nNo solution found.\n",
         "no 'Goal Reached' line"},
        {"one goal line: the whole trace is the path, and it stops short",
         "\nExploring Operation: 53-26=27, Resulting Numbers: [22, 31, 27]\n27,27 equal: Goal "
         "Reached\n",
         "'Goal Reached' declared with numbers [22, 31, 27], not [27]"},
        {"garbage text", "The answer is obviously 42.", "no 'Goal Reached' line"},
        {"empty text", "", "no 'Goal Reached' line"},
    };
    for (const Case& c : cases) {
        INFO(c.name);
        CheckResult r = check_trace(kProblem, c.trace);
        CHECK_FALSE(r.solved);
        CHECK(contains(r.reason, c.reason));
        CHECK(normalized_answer(r) == "no-solution");
    }
    CHECK(contains(check_prompt_trace("no state here", kSolved).reason,
                   "cannot read the prompt's state"));
}

TEST_CASE("Equivalent solutions share a normalized answer and different ones do not", "[tasks]") {
    // A trace whose replayed path makes the moves `steps` (operation, resulting list).
    auto path = [](const Problem& p,
                   const std::vector<std::pair<std::string, std::string>>& steps) {
        const std::string goal =
            std::to_string(p.target) + "," + std::to_string(p.target) + " equal: Goal Reached\n";
        std::string text = goal + "Moving to Node #0\n";
        for (const auto& [op, list] : steps)
            text += "Exploring Operation: " + op + ", Resulting Numbers: " + list + "\n";
        return text + goal;
    };
    const Problem p{{2, 3, 4, 5}, 26};
    CheckResult a = check_trace(
        p, path(p, {{"2*3=6", "[4, 5, 6]"}, {"4*5=20", "[6, 20]"}, {"6+20=26", "[26]"}}));
    CheckResult b = check_trace(
        p, path(p, {{"5*4=20", "[2, 3, 20]"}, {"3*2=6", "[20, 6]"}, {"20+6=26", "[26]"}}));
    REQUIRE(a.solved);
    REQUIRE(b.solved);
    CHECK(normalized_answer(a) == "((2*3)+(4*5))");
    CHECK(normalized_answer(a) == normalized_answer(b));

    // + chains flatten: (2+3)+4 and 3+(2+4) give one key; a different solution another.
    const Problem q{{1, 2, 3, 4}, 10};
    CheckResult f =
        check_trace(q, path(q, {{"1+2=3", "[3, 4, 3]"}, {"3+3=6", "[4, 6]"}, {"6+4=10", "[10]"}}));
    CheckResult g =
        check_trace(q, path(q, {{"4+3=7", "[1, 2, 7]"}, {"2+1=3", "[7, 3]"}, {"7+3=10", "[10]"}}));
    CheckResult h =
        check_trace(q, path(q, {{"2*3=6", "[1, 4, 6]"}, {"1*4=4", "[6, 4]"}, {"6+4=10", "[10]"}}));
    REQUIRE(f.solved);
    REQUIRE(g.solved);
    REQUIRE(h.solved);
    CHECK(normalized_answer(f) == "(1+2+3+4)");
    CHECK(normalized_answer(f) == normalized_answer(g));
    CHECK(normalized_answer(h) == "((1*4)+(2*3))");
}

TEST_CASE("The countdown task kind grades completions with the checker", "[tasks]") {
    const TaskKind* kind = find_task_kind("countdown");
    REQUIRE(kind != nullptr);
    Task task{
        "cd-1",
        "countdown",
        {{"id", "cd-1"}, {"kind", "countdown"}, {"numbers", {22, 26, 31, 53}}, {"target", 27}}};
    Grade good = kind->grade(task, kSolved);
    CHECK(good.correct);
    CHECK(good.normalized == "(((53-22)/31)+26)");
    Grade bad = kind->grade(task, "nonsense");
    CHECK_FALSE(bad.correct);
    CHECK(bad.normalized.empty());
    CHECK_FALSE(bad.reason.empty());
    Task broken{"cd-2", "countdown", {{"id", "cd-2"}, {"kind", "countdown"}}};
    CHECK_FALSE(kind->validate(broken).has_value());
    CHECK(kind->prompt(broken).empty());
    CHECK_FALSE(kind->grade(broken, kSolved).correct);
}
