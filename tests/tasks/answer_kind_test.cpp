#include <catch2/catch.hpp>

#include "tasks/answer/answer_kind.hpp"
#include "tasks/answer/final_answer.hpp"

using namespace braid;
using namespace braid::tasks::answer;

namespace {

tasks::Task row(nlohmann::json j) {
    std::string id = j.value("id", "");
    return tasks::Task{id, "answer", std::move(j)};
}

}  // namespace

TEST_CASE("The answer kind is registered and its prompt is the question", "[tasks][answer]") {
    const tasks::TaskKind* kind = tasks::find_task_kind("answer");
    REQUIRE(kind != nullptr);
    auto t = row(
        {{"id", "q1"}, {"kind", "answer"}, {"question", "What is 6 times 7?"}, {"answer", "42"}});
    REQUIRE(kind->validate(t).has_value());
    REQUIRE(kind->prompt(t) == "What is 6 times 7?");
}

TEST_CASE("Answer rows with a missing or mistyped field are rejected naming the field",
          "[tasks][answer]") {
    const tasks::TaskKind& kind = *tasks::find_task_kind("answer");
    auto no_question = kind.validate(row({{"id", "a"}, {"kind", "answer"}, {"answer", "1"}}));
    REQUIRE_FALSE(no_question.has_value());
    REQUIRE(no_question.error().code == ErrorCode::invalid_input);
    REQUIRE_THAT(no_question.error().message,
                 Catch::Contains("'question'") && Catch::Contains("task 'a'"));
    auto empty_question =
        kind.validate(row({{"id", "b"}, {"kind", "answer"}, {"question", ""}, {"answer", "1"}}));
    REQUIRE_THAT(empty_question.error().message, Catch::Contains("'question'"));
    auto no_answer = kind.validate(row({{"id", "c"}, {"kind", "answer"}, {"question", "q"}}));
    REQUIRE_THAT(no_answer.error().message, Catch::Contains("'answer'"));
    auto list_answer = kind.validate(
        row({{"id", "d"}, {"kind", "answer"}, {"question", "q"}, {"answer", {1, 2}}}));
    REQUIRE_THAT(list_answer.error().message, Catch::Contains("'answer'"));
    REQUIRE(
        kind.validate(row({{"id", "e"}, {"kind", "answer"}, {"question", "q"}, {"answer", 3.5}}))
            .has_value());
}

TEST_CASE("The final answer comes from Finish(...), then \\boxed{...}, then a last Answer: line",
          "[tasks][answer]") {
    REQUIRE(extract_final_answer("Thought: done\nAction: Finish(f(2) = 4)") == "f(2) = 4");
    REQUIRE(extract_final_answer("so the total is \\boxed{\\frac{1}{2}}.") == "\\frac{1}{2}");
    REQUIRE(extract_final_answer("work...\nAnswer:  Paris \n") == "Paris");
    REQUIRE(extract_final_answer("answer: 12") == "12");
    REQUIRE_FALSE(extract_final_answer("Answer: 12\nbut then more text").has_value());
    REQUIRE_FALSE(extract_final_answer("no answer here").has_value());
    REQUIRE_FALSE(extract_final_answer("\\boxed{unclosed").has_value());
}

TEST_CASE("Answers compare normalized: trimmed, case-folded, numbers numerically",
          "[tasks][answer]") {
    REQUIRE(normalize_answer("  The Eiffel   Tower. ") == "the eiffel tower");
    REQUIRE(normalize_answer("\"Paris\"") == "paris");
    REQUIRE(normalize_answer("3.50") == "3.5");
    REQUIRE(normalize_answer("1,000") == "1000");
    REQUIRE(normalize_answer("-0") == "0");
    REQUIRE(answers_match("42", "42.0"));
    REQUIRE(answers_match("1e3", "1,000"));
    REQUIRE(answers_match("PARIS", "paris"));
    REQUIRE_FALSE(answers_match("1,2", "12"));
    REQUIRE_FALSE(answers_match("41", "42"));
    REQUIRE_FALSE(parse_number("12abc").has_value());
    REQUIRE_FALSE(parse_number("1,23").has_value());
}

TEST_CASE("Grading an answer output says whether it matches and why", "[tasks][answer]") {
    const tasks::TaskKind& kind = *tasks::find_task_kind("answer");
    auto t = row({{"id", "q"}, {"kind", "answer"}, {"question", "6*7?"}, {"answer", 42}});
    tasks::Grade right = kind.grade(t, "Action: Finish(42.0)");
    REQUIRE(right.correct);
    REQUIRE(right.normalized == "42");
    tasks::Grade wrong = kind.grade(t, "Answer: 41");
    REQUIRE_FALSE(wrong.correct);
    REQUIRE(wrong.normalized == "41");
    tasks::Grade none = kind.grade(t, "I am not sure");
    REQUIRE_FALSE(none.correct);
    REQUIRE(none.normalized.empty());
    REQUIRE_THAT(none.reason, Catch::Contains("no final answer"));
}
