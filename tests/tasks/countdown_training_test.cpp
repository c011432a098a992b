#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "tasks/countdown/apr_protocol.hpp"
#include "tasks/countdown/checker.hpp"
#include "tasks/countdown/direct_trace.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/partial_trace.hpp"
#include "tasks/countdown/rules.hpp"
#include "tasks/countdown/training/held_out.hpp"
#include "tasks/countdown/training/training_traces.hpp"

using namespace braid::tasks::countdown;

namespace {

const Problem kProblem{{22, 26, 31, 53}, 27};

}  // namespace

TEST_CASE("A direct completion is the clean replay after the root prompt", "[tasks]") {
    const std::string completion = direct_completion(kProblem, {"53-22=31", "31/31=1", "26+1=27"});
    CHECK(completion ==
          "\nExploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n"
          "Generated Node #0,0: 27:[26, 31, 31] Operation: 53-22=31\n"
          "Moving to Node #0,0\n"
          "Current State: 27:[26, 31, 31], Operations: ['53-22=31']\n"
          "Exploring Operation: 31/31=1, Resulting Numbers: [26, 1]\n"
          "Generated Node #0,0,0: 27:[26, 1] Operation: 31/31=1\n"
          "Moving to Node #0,0,0\n"
          "Current State: 27:[26, 1], Operations: ['53-22=31', '31/31=1']\n"
          "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n"
          "27,27 equal: Goal Reached\n");
    CheckResult checked = check_prompt_trace(root_prompt(kProblem), completion);
    CHECK(checked.solved);
    CHECK(checked.operations == std::vector<std::string>{"53-22=31", "31/31=1", "26+1=27"});
    // The step scorer reads every prefix cut at a line end as valid.
    for (std::size_t at = completion.find('\n', 1); at != std::string::npos;
         at = completion.find('\n', at + 1))
        CHECK(score_partial_trace(kProblem, completion.substr(0, at + 1)).valid);
}

TEST_CASE("Every solution of a problem is found once and each one checks", "[tasks]") {
    std::vector<std::vector<std::string>> solutions = all_solutions(kProblem);
    REQUIRE(solutions.size() > 1);
    CHECK(std::set<std::vector<std::string>>(solutions.begin(), solutions.end()).size() ==
          solutions.size());
    for (const auto& solution : solutions)
        CHECK(check_trace(kProblem, direct_completion(kProblem, solution)).solved);
    CHECK(all_solutions(Problem{{2, 3}, 7}).empty());
    CHECK(all_solutions(Problem{{2, 3}, 6}) == std::vector<std::vector<std::string>>{{"2*3=6"}});
}

TEST_CASE("Training traces refuse evaluation seeds and never hold a held-out problem", "[tasks]") {
    auto refused = training_traces(TraceStyle::direct, NumberPool::uniform, kFirstTrainingSeed - 1, 4);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("evaluation seed") != std::string::npos);
    CHECK_FALSE(training_traces(TraceStyle::direct, NumberPool::uniform, kFirstTrainingSeed, 0));

    const auto held_out = held_out_keys();
    CHECK(held_out.size() > 2 * kHeldOutCount * 9 / 10);
    CHECK(held_out.contains(problem_key(held_out_problems(NumberPool::uniform, 1).front())));
    CHECK(held_out.contains(problem_key(held_out_problems(NumberPool::classic, 1).front())));
    CHECK(problem_key(Problem{{53, 22, 31, 26}, 27}) == "22,26,31,53:27");

    // The classic pool's few thousand number sets make collisions with its held-out set common
    // (the first 3000 problems of this seed hold dozens): the rows must still hold none of them.
    GeneratorOptions classic;
    classic.pool = NumberPool::classic;
    std::size_t collisions = 0;
    for (const Problem& problem : generate(kFirstTrainingSeed + 7, 3000, classic))
        collisions += held_out.contains(problem_key(problem)) ? 1 : 0;
    CHECK(collisions > 10);
    for (NumberPool pool : {NumberPool::uniform, NumberPool::classic}) {
        auto rows = training_traces(TraceStyle::direct, pool, kFirstTrainingSeed + 7, 3000);
        REQUIRE(rows);
        REQUIRE(rows->size() == 3000);
        for (const TrainingRow& row : *rows) {
        auto state = parse_state(row.prompt);
        REQUIRE(state);
        Problem problem{std::vector<int>(state->state.numbers.begin(), state->state.numbers.end()),
                        static_cast<int>(state->state.target)};
            CHECK_FALSE(held_out.contains(problem_key(problem)));
            CHECK(row.solved);
            CHECK(check_prompt_trace(row.prompt, row.completion).solved);
        }
    }
}

TEST_CASE("The classic pool draws the TV game's cards without replacement", "[tasks]") {
    GeneratorOptions options;
    options.pool = NumberPool::classic;
    const std::vector<Problem> problems = generate(5, 400, options);
    REQUIRE(problems.size() == 400);
    std::set<int> seen;
    for (const Problem& problem : problems) {
        REQUIRE(problem.numbers.size() == 4);
        std::map<int, int> uses;
        for (int n : problem.numbers) {
            CHECK(((n >= 1 && n <= 10) || n == 25 || n == 50 || n == 75 || n == 100));
            seen.insert(n);
            ++uses[n];
        }
        for (auto [n, count] : uses) CHECK(count <= (n <= 10 ? 2 : 1));
        CHECK(problem.target >= 10);
        CHECK(problem.target <= 100);
        CHECK(solve(problem));
    }
    CHECK(seen.size() == 14);  // every card value shows up in 400 problems
    CHECK(parse_number_pool("classic") == NumberPool::classic);
    CHECK(parse_number_pool("uniform") == NumberPool::uniform);
    CHECK_FALSE(parse_number_pool("tv"));
    CHECK(generate(5, 400, options).back().numbers == problems.back().numbers);  // seeded
}

TEST_CASE("A drawn problem equal to an excluded one is dropped and another drawn", "[tasks]") {
    const std::uint64_t seed = kFirstTrainingSeed + 3;
    const std::vector<Problem> drawn = generate(seed, 4);
    // The second drawn problem, its numbers reordered, is excluded.
    Problem reordered = drawn[1];
    std::reverse(reordered.numbers.begin(), reordered.numbers.end());
    auto rows = training_traces_excluding(TraceStyle::direct, NumberPool::uniform, seed, 3,
                                          {problem_key(reordered)});
    REQUIRE(rows);
    REQUIRE(rows->size() == 3);
    CHECK((*rows)[0].prompt == root_prompt(drawn[0]));
    CHECK((*rows)[1].prompt == root_prompt(drawn[2]));
    CHECK((*rows)[2].prompt == root_prompt(drawn[3]));
    CHECK((*rows)[2].problem_id == "tr" + std::to_string(seed) + "-3");

    // The same seed gives the same rows; another seed other problems.
    auto again = training_traces_excluding(TraceStyle::direct, NumberPool::uniform, seed, 3,
                                          {problem_key(reordered)});
    REQUIRE(again);
    for (std::size_t i = 0; i < rows->size(); ++i)
        CHECK((*rows)[i].completion == (*again)[i].completion);
    auto other = training_traces(TraceStyle::direct, NumberPool::uniform, seed + 1, 1);
    REQUIRE(other);
    CHECK(other->front().prompt != rows->front().prompt);
}

TEST_CASE("SoS+ and APR training rows are the searches' own text", "[tasks]") {
    auto sosp = training_traces(TraceStyle::sosp, NumberPool::uniform, kFirstTrainingSeed, 5);
    REQUIRE(sosp);
    REQUIRE(sosp->size() == 5);
    for (const TrainingRow& row : *sosp) {
        CHECK(row.call == "sosp");
        CHECK(row.completion.starts_with("\n"));
        CHECK(check_prompt_trace(row.prompt, row.completion).solved == row.solved);
    }

    auto apr = training_traces(TraceStyle::apr, NumberPool::uniform, kFirstTrainingSeed, 5);
    REQUIRE(apr);
    std::set<std::string> problems;
    bool saw_child = false;
    for (const TrainingRow& row : *apr) {
        problems.insert(row.problem_id);
        if (row.call.starts_with("child")) saw_child = true;
        CHECK(parse_state(row.prompt));
    }
    CHECK(problems.size() == 5);
    CHECK(saw_child);
    CHECK(apr->size() > 5);
}

TEST_CASE("Trace styles print and parse", "[tasks]") {
    for (TraceStyle style : {TraceStyle::direct, TraceStyle::sosp, TraceStyle::apr})
        CHECK(parse_trace_style(to_string(style)) == style);
    CHECK_FALSE(parse_trace_style("serial"));
}
