#include <catch2/catch.hpp>

#include "planner/llmcompiler/plan_parser.hpp"
#include "planner/llmcompiler/prompts.hpp"
#include "planner/llmcompiler/python_literal.hpp"

using namespace braid::planner::llmcompiler;
using nlohmann::json;

namespace {

const std::vector<std::string> kTools{"calculator", "search", "math"};

const std::string kPlan =
    "Thought: I need both heights.\n"
    "1. search(\"Mount Everest\")\n"
    "2. search('Kilimanjaro', 3)\n"
    "Thought: now divide.\n"
    "3. math(\"ratio of heights\", [\"$1\", \"${2}\"])\n"
    "4. join()<END_OF_PLAN>";

struct Fed {
    std::vector<PlanStep> steps;
    std::vector<std::size_t> emitted_at;  // bytes fed when each step came out
    std::string failure;
};

Fed feed_in_pieces(const std::string& text, const std::vector<std::size_t>& cuts,
                   std::vector<std::string> tools = kTools, std::set<int> earlier = {}) {
    StreamingPlanParser parser(std::move(tools), std::move(earlier));
    Fed fed;
    std::size_t at = 0;
    auto take = [&](std::vector<PlanStep> steps) {
        for (PlanStep& s : steps) {
            fed.steps.push_back(std::move(s));
            fed.emitted_at.push_back(at);
        }
    };
    std::size_t begin = 0;
    for (std::size_t cut : cuts) {
        at = cut;
        take(parser.feed(std::string_view(text).substr(begin, cut - begin)));
        begin = cut;
    }
    at = text.size();
    take(parser.feed(std::string_view(text).substr(begin)));
    take(parser.finish());
    fed.failure = parser.failure();
    return fed;
}

Fed parse(const std::string& text, std::vector<std::string> tools = kTools,
          std::set<int> earlier = {}) {
    return feed_in_pieces(text, {}, std::move(tools), std::move(earlier));
}

}  // namespace

TEST_CASE("Plan arguments parse like Python literals", "[planner][llmcompiler]") {
    REQUIRE(*parse_python_args(R"("a", 'b', 3, -2.5, [1, "$1", ['x']], True, None,)") ==
            json::array(
                {"a", "b", 3, -2.5, json::array({1, "$1", json::array({"x"})}), true, nullptr}));
    REQUIRE(*parse_python_args(R"('it\'s', "say \"hi\"\n", "\x41\u00e9", 'a\\b')") ==
            json::array({"it's", "say \"hi\"\n", "A\xc3\xa9", "a\\b"}));
    REQUIRE(*parse_python_args("") == json::array());
    REQUIRE(*parse_python_args("(1, 2)") == json::array({json::array({1, 2})}));
    REQUIRE(*parse_python_args("1_000, 1e3") == json::array({1000, 1000.0}));
    for (const char* bad : {"2 + 3", "'open", "[1, 2", "foo", "\"a\" \"b\"", "1,,2"}) {
        INFO(bad);
        REQUIRE_FALSE(parse_python_args(bad).has_value());
    }
}

TEST_CASE("A plan parses into steps with thoughts, arguments and dependencies",
          "[planner][llmcompiler]") {
    Fed fed = parse(kPlan);
    REQUIRE(fed.failure.empty());
    REQUIRE(fed.steps.size() == 4);
    REQUIRE(fed.steps[0].thought == "I need both heights.");
    REQUIRE(fed.steps[0].args == json::array({"Mount Everest"}));
    REQUIRE(fed.steps[0].deps.empty());
    REQUIRE(fed.steps[1].args == json::array({"Kilimanjaro", 3}));
    REQUIRE(fed.steps[1].thought.empty());
    REQUIRE(fed.steps[2].thought == "now divide.");
    REQUIRE(fed.steps[2].deps == std::vector<int>{1, 2});
    REQUIRE(fed.steps[2].args == json::array({"ratio of heights", json::array({"$1", "${2}"})}));
    REQUIRE(fed.steps[3].is_join());
    REQUIRE(fed.steps[3].deps == std::vector<int>{1, 2, 3});
}

TEST_CASE("Every step comes out as soon as its line is complete, wherever the chunks break",
          "[planner][llmcompiler]") {
    const Fed whole = parse(kPlan);
    // The offsets just past each step line's newline (the join line ends the text).
    std::vector<std::size_t> line_ends;
    for (std::size_t i = 0; i < kPlan.size(); ++i)
        if (kPlan[i] == '\n' &&
            std::isdigit(static_cast<unsigned char>(kPlan[kPlan.rfind('\n', i - 1) + 1])))
            line_ends.push_back(i + 1);
    REQUIRE(line_ends.size() == 3);

    for (std::size_t cut = 0; cut <= kPlan.size(); ++cut) {
        INFO("one cut at " << cut);
        Fed fed = feed_in_pieces(kPlan, {cut});
        REQUIRE(fed.failure.empty());
        REQUIRE(fed.steps.size() == whole.steps.size());
        for (std::size_t k = 0; k < fed.steps.size(); ++k) {
            REQUIRE(fed.steps[k].line() == whole.steps[k].line());
            REQUIRE(fed.steps[k].args == whole.steps[k].args);
            REQUIRE(fed.steps[k].deps == whole.steps[k].deps);
            REQUIRE(fed.steps[k].thought == whole.steps[k].thought);
        }
    }
    // One byte at a time: step k comes out with the byte that completes its line, not later.
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < kPlan.size(); ++i) every.push_back(i);
    Fed bytes = feed_in_pieces(kPlan, every);
    REQUIRE(bytes.steps.size() == 4);
    for (std::size_t k = 0; k < line_ends.size(); ++k) REQUIRE(bytes.emitted_at[k] == line_ends[k]);
}

TEST_CASE(
    "Plan steps accept ${N}, a trailing #comment, prose lines and a plan that ends without join",
    "[planner][llmcompiler]") {
    Fed fed =
        parse("Here is my plan:\n1. calculator(\"2+3\") #first\n2. calculator(\"${1} * 2\")\n");
    REQUIRE(fed.failure.empty());
    REQUIRE(fed.steps.size() == 2);
    REQUIRE(fed.steps[1].deps == std::vector<int>{1});
    // Unparsable arguments fall back to the raw text as one string.
    Fed raw = parse("1. calculator(2 + 3)\n2. join()\n");
    REQUIRE(raw.steps[0].args == json::array({"2 + 3"}));
    // Text after <END_OF_PLAN> is ignored, even a bad step.
    Fed ended = parse("1. calculator(\"1\")<END_OF_PLAN>\n2. nonsense(\"x\")\n");
    REQUIRE(ended.failure.empty());
    REQUIRE(ended.steps.size() == 1);
}

TEST_CASE("Malformed plans fail with the reason", "[planner][llmcompiler]") {
    struct Case {
        std::string plan;
        std::string reason;
    };
    const std::vector<Case> cases{
        {"1. calculator(\"1\")\n1. calculator(\"2\")\n",
         "step ids must increase: step 1 after step 1"},
        {"2. calculator(\"1\")\n1. calculator(\"2\")\n", "step ids must increase"},
        {"1. calculator(\"$2\")\n2. calculator(\"1\")\n",
         "step 1 refers to $2, which is not an earlier step"},
        {"1. calculator(\"$1\")\n", "refers to $1"},
        {"1. calculator(\"${7}\")\n", "refers to $7"},
        {"1. shell(\"rm -rf /\")\n", "unknown tool 'shell'"},
        {"1. calculator(\"1\")\n2. join()\n3. join()\n", "a second join() (step 3)"},
        {"1. calculator(\"1\")\n2. join()\n3. calculator(\"2\")\n", "step 3 comes after join()"},
        {"1. calculator(\"1\"\n", "not a complete call"},
        {"1. calculator(\"1\") trailing words\n", "not a complete call"},
        {"I cannot make a plan.\n", "no plan steps"},
        {"", "no plan steps"},
    };
    for (const Case& c : cases) {
        INFO(c.plan);
        Fed fed = parse(c.plan);
        REQUIRE_THAT(fed.failure, Catch::Contains(c.reason));
    }
    // Once failed, nothing more comes out.
    Fed fed = parse("1. calculator(\"1\")\n1. calculator(\"2\")\n2. calculator(\"3\")\n");
    REQUIRE(fed.steps.size() == 1);
}

TEST_CASE("A replan continues the numbering and may reference earlier rounds' steps",
          "[planner][llmcompiler]") {
    Fed ok = parse("3. calculator(\"$1 + $2\")\n4. join()\n", kTools, {1, 2});
    REQUIRE(ok.failure.empty());
    REQUIRE(ok.steps[0].deps == std::vector<int>{1, 2});
    REQUIRE(ok.steps[1].deps == std::vector<int>{3});  // join waits for this plan's steps
    Fed reused = parse("2. calculator(\"1\")\n", kTools, {1, 2});
    REQUIRE_THAT(reused.failure, Catch::Contains("step ids must increase: step 2 after step 2"));
}

TEST_CASE("References substitute by id, $N and ${N} alike, and never a prefix of a longer id",
          "[planner][llmcompiler]") {
    REQUIRE(referenced_ids("$1 ${2} $10 $1 $x $") == std::vector<int>{1, 2, 10});
    std::map<int, std::string> obs{{1, "A"}, {10, "TEN"}};
    REQUIRE(substitute_references("$1/${1}/$10/$2/$", obs) == "A/A/TEN/$2/$");
}

TEST_CASE("The joiner's reply gives Finish or Replan with its thought", "[planner][llmcompiler]") {
    auto finish = parse_joiner_reply("Thought: 6 * 7 is 42.\nAction: Finish(42 (exactly))\n");
    REQUIRE(finish);
    REQUIRE(finish->kind == JoinerDecision::Kind::finish);
    REQUIRE(finish->content == "42 (exactly)");
    REQUIRE(finish->thought == "6 * 7 is 42.");
    auto replan = parse_joiner_reply("Thought: the search failed.\nAction: Replan(search again)");
    REQUIRE(replan->kind == JoinerDecision::Kind::replan);
    REQUIRE(replan->content == "search again");
    REQUIRE(replan->thought == "the search failed.");
    REQUIRE_FALSE(parse_joiner_reply("I think it is 42.").has_value());
}
