#include <catch2/catch.hpp>

#include "tasks/countdown/apr_protocol.hpp"
#include "tasks/countdown/checker.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/standin/apr_search.hpp"
#include "tasks/countdown/standin/search.hpp"

using namespace braid::tasks::countdown;

namespace {

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}
bool ends_with(const std::string& text, std::string_view tail) {
    return text.size() >= tail.size() &&
           text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("SoS+ traces are deterministic per seed and differ across seeds", "[tasks]") {
    const State start = root_state(Problem{{22, 26, 31, 53}, 27});
    SearchResult a = sos_plus_search(start, 7);
    SearchResult b = sos_plus_search(start, 7);
    CHECK(a.trace == b.trace);
    bool differs = false;
    for (std::uint64_t seed = 0; seed < 8; ++seed)
        differs = differs || sos_plus_search(start, seed).trace != a.trace;
    CHECK(differs);
    CHECK(a.trace.rfind(state_prompt(start) + "\n", 0) == 0);
    CHECK(after_state_line(a.trace) == a.trace.substr(state_prompt(start).size()));
}

TEST_CASE(
    "SoS+ traces that reach the goal pass the checker and the others end with No solution found",
    "[tasks]") {
    int solved = 0, unsolved = 0, dives = 0;
    for (const Problem& p : generate(1, 8)) {
        for (std::uint64_t seed = 0; seed < 12; ++seed) {
            SearchResult r = sos_plus_search(root_state(p), seed);
            INFO(r.trace);
            CheckResult check = check_trace(p, after_state_line(r.trace));
            CHECK(check.solved == r.solved);
            if (r.solved) {
                ++solved;
                CHECK(check.operations == r.solution);
                CHECK(check_trace(p, r.trace).solved);
            } else {
                ++unsolved;
                CHECK(ends_with(r.trace, "No solution found.\n"));
            }
            if (contains(r.trace, "Start Sub Search at level 1: Moving to Node #0,")) {
                ++dives;
                CHECK(contains(r.trace, "Exit Sub Search at level 1\n"));
            }
        }
    }
    CHECK(solved > 0);
    CHECK(unsolved > 0);
    CHECK(dives > 0);
}

TEST_CASE("SoS+ searches from a child state keep the operations and node ids of that state",
          "[tasks]") {
    State child{"0,1", 27, {26, 31, 31}, {"53-22=31"}};
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
        SearchResult r = sos_plus_search(
            child, seed,
            SosOptions{.min_beam_size = 5, .max_beam_size = 5, .promising_threshold = 0.0});
        REQUIRE(r.solved);  // 31/31=1, 26+1=27 is within a beam of 5
        CHECK(r.trace.rfind(
                  "Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']\n",
                  0) == 0);
        CHECK(contains(r.trace, "Generated Node #0,1,0: 27:"));
        CHECK(check_prompt_trace(state_prompt(child), after_state_line(r.trace)).solved);
    }
}

TEST_CASE("The APR spawn and join blocks have the exact format of the protocol", "[tasks]") {
    CHECK(spawn_block({"0,0", "0,1"}) ==
          "<Calling Sub Searches>\n"
          "<Start Sub Search 0 at level 1> Moving to Node #0,0\n"
          "<Start Sub Search 1 at level 1> Moving to Node #0,1\n"
          "<End Calling Sub Searches>\n");
    const std::string child_path =
        "Moving to Node #0,1\n"
        "Current State: 27:[26, 31, 31], Operations: ['53-22=31']\n"
        "Exploring Operation: 31/31=1, Resulting Numbers: [26, 1]\n"
        "Generated Node #0,1,0: 27:[26, 1] Operation: 31/31=1\n"
        "Moving to Node #0,1,0\n"
        "Current State: 27:[26, 1], Operations: ['53-22=31', '31/31=1']\n"
        "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n"
        "27,27 equal: Goal Reached";
    CHECK(join_block({ChildResult{"0,0", false, ""}, ChildResult{"0,1", true, child_path}}) ==
          "<Sub Searches>\n"
          "<No Solution in Sub Search 0 at level 1 at Node #0,0>\n"
          "<Goal Reached in Sub Search 1 at level 1 at Node #0,1>\n" +
              child_path +
              "\n"
              "<End Sub Searches>\n");

    // The child's result is the clean path after its second-to-last "Goal Reached".
    const std::string child_text =
        "Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']\n"
        "Exploring Operation: 31/31=1, Resulting Numbers: [26, 1]\n"
        "Generated Node #0,1,0: 27:[26, 1] Operation: 31/31=1\n"
        "Exploring Operation: 26+1=27, Resulting Numbers: [27]\n"
        "27,27 equal: Goal Reached\n" +
        child_path + "\n";
    ChildResult solved = child_result("0,1", child_text);
    CHECK(solved.solved);
    CHECK(solved.path == child_path);
    CHECK_FALSE(child_result("0,0",
                             "Moving to Node #0,0\nCurrent State: 27:[22, 31, 79], Operations: "
                             "['26+53=79']\nNo solution found.\n")
                    .solved);
    // Found by the apr_protocol fuzz target: two "Goal Reached" on one line used to hand back the
    // text after that line as a solved path.
    ChildResult one_line =
        child_result("0,1", "27,27 equal: Goal Reached, Goal Reached\nMore text\n");
    CHECK_FALSE(one_line.solved);
    CHECK(one_line.path.empty());

    // The parent's spawn is read back into child prompts and spliced with the join block.
    const std::string parent =
        "Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []\n"
        "Exploring Operation: 26+53=79, Resulting Numbers: [22, 31, 79]\n"
        "Generated Node #0,0: 27:[22, 31, 79] Operation: 26+53=79\n"
        "Exploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n"
        "Generated Node #0,1: 27:[26, 31, 31] Operation: 53-22=31\n" +
        spawn_block({"0,0", "0,1"});
    CHECK(ends_with_spawn(parent));
    CHECK_FALSE(ends_with_spawn("Moving to Node #0\n"));
    auto requests = parse_spawn(parent);
    REQUIRE(requests.has_value());
    REQUIRE(requests->size() == 2);
    CHECK(requests->at(0).prompt ==
          "Moving to Node #0,0\nCurrent State: 27:[22, 31, 79], Operations: ['26+53=79']");
    CHECK(requests->at(1).prompt ==
          "Moving to Node #0,1\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']");
    auto joined = splice_join(parent, {ChildResult{"0,0", false, ""}, solved});
    REQUIRE(joined.has_value());
    CHECK(*joined == parent.substr(0, parent.find("<Calling Sub Searches>")) +
                         join_block({ChildResult{"0,0", false, ""}, solved}));

    CHECK_FALSE(
        parse_spawn("Moving to Node #0\nCurrent State: 27:[1, 2], Operations: []\n").has_value());
    auto unknown = parse_spawn("Moving to Node #0\nCurrent State: 27:[1, 2], Operations: []\n" +
                               spawn_block({"0,7"}));
    REQUIRE_FALSE(unknown.has_value());
    CHECK(contains(unknown.error().message, "#0,7 was never generated"));
    // Found by the apr_protocol fuzz target: a node generated with no numbers used to become a
    // child whose prompt parse_state refuses ("empty number list").
    auto empty = parse_spawn(
        "Moving to Node #0\nCurrent State: 3:[1, 2], Operations: []\n"
        "Generated Node #0,0: 3:[] Operation: 1+2=3\n" +
        spawn_block({"0,0"}));
    REQUIRE_FALSE(empty.has_value());
    CHECK(contains(empty.error().message, "#0,0 was never generated"));
    CHECK_FALSE(splice_join("no spawn here", {}).has_value());
}

TEST_CASE("APR traces render as runtime calls that follow the spawn and join protocol", "[tasks]") {
    int spawned = 0, solved = 0;
    for (const Problem& p : generate(1, 8)) {
        for (std::uint64_t seed = 0; seed < 6; ++seed) {
            AprTrace t = apr_search(root_state(p), seed);
            INFO("problem target " << p.target << " seed " << seed);
            REQUIRE(t.parent_calls.size() == t.spawns.size() + 1);
            CHECK(t.parent_calls[0].prompt == root_prompt(p));
            for (std::size_t k = 0; k < t.spawns.size(); ++k) {
                ++spawned;
                const std::string text = t.parent_calls[k].prompt + t.parent_calls[k].completion;
                CHECK(ends_with_spawn(text));
                auto requests = parse_spawn(text);
                REQUIRE(requests.has_value());
                REQUIRE(requests->size() == t.spawns[k].size());
                std::vector<ChildResult> results;
                for (std::size_t i = 0; i < requests->size(); ++i) {
                    const AprChild& c = t.spawns[k][i];
                    CHECK(requests->at(i).prompt == c.prompt);
                    CHECK(c.completion.rfind("\n", 0) == 0);
                    ChildResult r =
                        child_result(requests->at(i).state.node_id, c.prompt + c.completion);
                    CHECK(r.solved == c.result.solved);
                    CHECK(r.path == c.result.path);
                    CHECK(check_prompt_trace(c.prompt, c.completion).solved == c.result.solved);
                    results.push_back(r);
                }
                auto next = splice_join(text, results);
                REQUIRE(next.has_value());
                CHECK(*next == t.parent_calls[k + 1].prompt);
            }
            CHECK_FALSE(ends_with_spawn(t.final_text()));
            CheckResult check = check_trace(p, t.final_text());
            CHECK(check.solved == t.solved);
            if (t.solved) {
                ++solved;
                CHECK(check.operations == t.solution);
            } else {
                CHECK(ends_with(t.final_text(), "No solution found.\n"));
            }
            std::vector<RuntimeCall> calls = render_runtime_calls(t);
            std::size_t children = 0;
            for (const auto& s : t.spawns) children += s.size();
            CHECK(calls.size() == t.parent_calls.size() + children);
            CHECK(calls.front().label == "parent 0");
            CHECK(calls.back().label == "parent " + std::to_string(t.parent_calls.size() - 1));
        }
    }
    CHECK(spawned > 0);
    CHECK(solved > 0);
}

TEST_CASE("An APR trace with one spawn renders parent, children and parent again", "[tasks]") {
    // Threshold 1 spawns at the first expansion with more than one child; a beam of 2 keeps it
    // small.
    const Problem p{{22, 26, 31, 53}, 27};
    AprTrace t = apr_search(root_state(p), 3,
                            AprOptions{.min_beam_size = 2,
                                       .max_beam_size = 2,
                                       .sub_call_beam_size = 2,
                                       .promising_threshold = 1.0});
    REQUIRE(t.spawns.size() >= 1);
    std::vector<RuntimeCall> calls = render_runtime_calls(t);
    REQUIRE(calls.size() >= 4);
    CHECK(calls[0].label == "parent 0");
    CHECK(calls[0].prompt ==
          "Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []");
    CHECK(ends_with(calls[0].completion, "<End Calling Sub Searches>\n"));
    CHECK(calls[1].label == "child 0.0 #0,0");
    CHECK(calls[1].prompt.rfind("Moving to Node #0,0\nCurrent State: 27:[", 0) == 0);
    CHECK(calls[2].label == "child 0.1 #0,1");
    CHECK(calls[3].label == "parent 1");
    CHECK(ends_with(calls[3].prompt, "<End Sub Searches>\n"));
    CHECK(contains(calls[3].prompt, "<Sub Searches>\n<"));
    CHECK_FALSE(contains(calls[3].prompt, "<Calling Sub Searches>"));
}
