// The multiverse strategy over a scripted stand-in backend that writes the Multiverse format
// (tests/planner/multiverse_script.hpp) on a Countdown task: 2, 3, 4 → 24.
#include <catch2/catch.hpp>

#include <set>

#include "backends/backend.hpp"
#include "planner/multiverse/multiverse_format.hpp"
#include "tasks/task_kind.hpp"
#include "tests/planner/multiverse_script.hpp"

using namespace braid;
using namespace std::chrono_literals;
using test::ScriptRule;

namespace {

const std::string kRoot = "Moving to Node #0\nCurrent State: 24:[2, 3, 4], Operations: []";

// The goal of a block with the given outline ids, as the model writes it up to (and including)
// the `</Goal>` the runtime stops at; `after` is text past the stop that must never be seen.
std::string goal(const std::vector<std::string>& ids, const std::string& after = "IGNORED") {
    std::string s = "<Parallel>\n<Goal>\n";
    for (const std::string& id : ids)
        s += "<Outline>\n" + id + ": try branch " + id + "\n</Outline>\n";
    return s + "</Goal>\n" + after;
}

// A checker-valid ending: the goal line and the clean replay of the path from the root.
const std::string kSolvedTail =
    "24,24 equal: Goal Reached\n"
    "Moving to Node #0\n"
    "Current State: 24:[2, 3, 4], Operations: []\n"
    "Exploring Operation: 2*3=6, Resulting Numbers: [4, 6]\n"
    "Generated Node #0,0: 24:[4, 6] Operation: 2*3=6\n"
    "Moving to Node #0,0\n"
    "Current State: 24:[4, 6], Operations: ['2*3=6']\n"
    "Exploring Operation: 4*6=24, Resulting Numbers: [24]\n"
    "24,24 equal: Goal Reached\n";

const std::string kRootReply = "\n<Think>\nTwo ways to start.\n" + goal({"1", "2"});
const std::string kPath1 = " 2*3=6, then 4*6=24 works.\n";
const std::string kPath2 = " 3+4=7 leaves [2, 7]: 14, 9, 5 — no 24.\n";
const std::string kConclusion =
    "Path 1 reaches 24.\n</Conclusion>\n</Parallel>\n</Think>\n" + kSolvedTail;

// The flat script: root → paths 1 and 2 → conclusion. Paths stream three lines, 1 ms apart.
std::vector<ScriptRule> flat_rules() {
    return {
        {kRoot, "", kRootReply, 0us},
        {"<Path>\n1:", "", kPath1 + "checked.\n</Path>\nIGNORED", 1ms},
        {"<Path>\n2:", "", kPath2 + "checked.\n</Path>\nIGNORED", 1ms},
        {"<Conclusion>\n", "", kConclusion, 0us},
    };
}

// `n` one-token words.
std::string words(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "word ";
    return s;
}

planner::StrategyOptions options(int samples = 1) {
    planner::StrategyOptions o;
    o.samples = samples;
    o.max_tokens = 400;
    return o;
}

std::string failure_reason(test::MultiverseHarness& h, const std::string& path) {
    auto failed = h.events(path, "node_failed");
    REQUIRE(failed.size() == 1);
    return failed[0].value("reason", std::string());
}

}  // namespace

TEST_CASE(
    "Multiverse forks one path per outline at </Goal>, reduces with the KV layout and solves the "
    "task",
    "[planner][multiverse]") {
    test::MultiverseScript script(flat_rules());
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::TaskOutcome outcome = h.solve(*backend, options());

    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(script.seen().size() == 4);
    REQUIRE(script.seen()[0].prompt == kRoot);
    REQUIRE_FALSE(script.seen()[0].layout.has_value());

    // Map: each path continues the parent's context, "</Goal>\n" appended, then "<Path>\n{id}:".
    const std::string prefix = kRoot + "\n<Think>\nTwo ways to start.\n" + goal({"1", "2"}, "");
    auto p1 = script.ending_with("<Path>\n1:");
    auto p2 = script.ending_with("<Path>\n2:");
    REQUIRE(p1.size() == 1);
    REQUIRE(p2.size() == 1);
    REQUIRE(p1[0].prompt == prefix + "<Path>\n1:");
    REQUIRE(p2[0].prompt == prefix + "<Path>\n2:");
    REQUIRE_FALSE(p1[0].layout.has_value());
    REQUIRE(p1[0].seed != p2[0].seed);

    // Paths run concurrently: path 2's call starts before path 1's call has finished streaming.
    REQUIRE(h.seq_of("t/cd-x/m0/b0/p2/c0", "node_running") <
            h.seq_of("t/cd-x/m0/b0/p1/c0", "node_finished"));

    // Reduce: the flat text, and the layout that lets the local engine concatenate the paths' KV.
    const std::string piece1 = "<Path>\n1:" + kPath1 + "checked.\n</Path>\n";
    const std::string piece2 = "<Path>\n2:" + kPath2 + "checked.\n</Path>\n";
    auto reduce = script.ending_with("<Conclusion>\n");
    REQUIRE(reduce.size() == 1);
    REQUIRE(reduce[0].prompt == prefix + piece1 + piece2 + "<Conclusion>\n");
    REQUIRE(reduce[0].layout.has_value());
    REQUIRE(reduce[0].layout->prefix_chars == prefix.size());
    REQUIRE(reduce[0].layout->path_chars == std::vector<std::size_t>{piece1.size(), piece2.size()});

    // The parent continues after the conclusion; its own text is the candidate.
    REQUIRE(outcome.candidates.size() == 1);
    REQUIRE(outcome.candidates[0].output == reduce[0].prompt.substr(kRoot.size()) + kConclusion);

    // Nodes and events: the fork, the join node with an edge from each path.
    REQUIRE(h.node("t/cd-x/m0").status == store::NodeStatus::finished);
    REQUIRE(h.node("t/cd-x/m0/b0/p1").kind == store::NodeKind::path);
    REQUIRE(h.node("t/cd-x/m0/b0/join").status == store::NodeStatus::finished);
    auto fork = h.events("t/cd-x/m0", "fork");
    REQUIRE(fork.size() == 1);
    REQUIRE(fork[0]["paths"] == nlohmann::json::array({"1", "2"}));
    int joins = 0;
    for (const auto& e : h.db->edges(h.run))
        joins += e.kind == store::EdgeKind::join && e.dst == h.node("t/cd-x/m0/b0/join").id;
    REQUIRE(joins == 2);

    // Metrics: 3 threads, depth 2, 4 calls; shared text counted once; the critical path skips
    // path 2.
    REQUIRE(outcome.metrics.threads == 3);
    REQUIRE(outcome.metrics.max_depth == 2);
    REQUIRE(outcome.metrics.model_calls == 4);
    std::int64_t billed = 0, completions = 0;
    for (const auto& n : h.db->nodes(h.run)) {
        billed += n.usage.prompt_tokens + n.usage.completion_tokens;
        completions += n.usage.completion_tokens;
    }
    const std::int64_t root_prompt = backends::estimate_tokens(kRoot);
    REQUIRE(outcome.metrics.total_tokens < billed);
    REQUIRE(outcome.metrics.total_tokens >= root_prompt + completions);
    REQUIRE(outcome.metrics.total_tokens <= root_prompt + completions + 40);  // + the injected tags
    REQUIRE(outcome.metrics.critical_path_tokens < outcome.metrics.total_tokens);
    REQUIRE(outcome.metrics.critical_path_tokens >
            outcome.metrics.total_tokens - backends::estimate_tokens(kPath1 + "checked.\n") - 10);
    REQUIRE(outcome.metrics.wall_ms >= 0);
}

TEST_CASE("A path may nest a parallel block of its own at depth 2", "[planner][multiverse]") {
    std::vector<ScriptRule> rules = {
        {kRoot, "", kRootReply, 0us},
        {"<Path>\n1:", "", " split again.\n" + goal({"1.1", "1.2"}), 0us},
        {"<Path>\n1.1:", "", " 2*3=6.\n</Path>", 0us},
        {"<Path>\n1.2:", "", " 2*4=8.\n</Path>", 0us},
        {"<Path>\n2:", "", kPath2 + "</Path>", 0us},
        // The root's reduce holds path 2; path 1's own reduce does not.
        {"<Conclusion>\n", "<Path>\n2:", kConclusion, 0us},
        {"<Conclusion>\n", "", "1.1 is the way.\n</Conclusion>\n</Parallel>\nso 4*6=24.\n</Path>",
         0us},
    };
    test::MultiverseScript script(rules);
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::TaskOutcome outcome = h.solve(*backend, options());

    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(outcome.metrics.threads == 5);
    REQUIRE(outcome.metrics.max_depth == 3);
    REQUIRE(h.node("t/cd-x/m0/b0/p1/b0/p1.1").status == store::NodeStatus::finished);
    REQUIRE(h.events("t/cd-x/m0/b0/p1", "fork")[0]["depth"] == 2);

    // Path 1's reduce: its own prefix (which holds the root's context) + 1.1 + 1.2.
    auto p11 = script.ending_with("<Path>\n1.1:");
    REQUIRE(p11.size() == 1);
    const std::string inner_prefix =
        p11[0].prompt.substr(0, p11[0].prompt.size() - std::string("<Path>\n1.1:").size());
    REQUIRE(test::MultiverseScript::ends_with(inner_prefix, "</Goal>\n"));
    std::vector<test::SeenRequest> inner, outer;
    for (const auto& r : script.ending_with("<Conclusion>\n"))
        (r.prompt.find("<Path>\n2:") == std::string::npos ? inner : outer).push_back(r);
    REQUIRE(inner.size() == 1);
    REQUIRE(outer.size() == 1);
    const std::string n1 = "<Path>\n1.1: 2*3=6.\n</Path>\n", n2 = "<Path>\n1.2: 2*4=8.\n</Path>\n";
    REQUIRE(inner[0].prompt == inner_prefix + n1 + n2 + "<Conclusion>\n");
    REQUIRE(inner[0].layout->prefix_chars == inner_prefix.size());
    REQUIRE(inner[0].layout->path_chars == std::vector<std::size_t>{n1.size(), n2.size()});

    // The root's reduce carries path 1 whole (its nested block included) as one path.
    const std::string path1_text =
        "<Path>\n1: split again.\n" + goal({"1.1", "1.2"}, "") + n1 + n2 +
        "<Conclusion>\n1.1 is the way.\n</Conclusion>\n</Parallel>\nso 4*6=24.\n</Path>\n";
    REQUIRE(outer[0].prompt.find(path1_text) != std::string::npos);
    REQUIRE(outer[0].layout->path_chars[0] == path1_text.size());
}

TEST_CASE("A block deeper than --max-depth is not forked: the path writes it inline",
          "[planner][multiverse]") {
    std::vector<ScriptRule> rules = {
        {kRoot, "", kRootReply, 0us},
        {"<Path>\n1:", "", " split again.\n" + goal({"1.1", "1.2"}), 0us},
        // Refused: the path goes on sequentially and writes its sub-paths itself.
        {"1.2: try branch 1.2\n</Outline>\n</Goal>\n", "", "<Path>\n1.1: 2*3=6.\n</Path>", 0us},
        {"1.1: 2*3=6.\n</Path>\n", "", "<Path>\n1.2: 2*4=8.\n</Path>", 0us},
        {"1.2: 2*4=8.\n</Path>\n", "",
         "<Conclusion>\n1.1 works.\n</Conclusion>\n</Parallel>\n</Path>", 0us},
        {"<Path>\n2:", "", kPath2 + "</Path>", 0us},
        {"<Conclusion>\n", "", kConclusion, 0us},
    };
    test::MultiverseScript script(rules);
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::StrategyOptions o = options();
    o.max_depth = 1;
    planner::TaskOutcome outcome = h.solve(*backend, o);

    REQUIRE(outcome.status == store::TaskStatus::solved);
    auto refused = h.events("t/cd-x/m0/b0/p1", "fork_refused");
    REQUIRE(refused.size() == 1);
    REQUIRE(refused[0]["reason"].get<std::string>().find("--max-depth 1") != std::string::npos);
    REQUIRE(script.ending_with("<Path>\n1.1:").empty());
    REQUIRE(h.node("t/cd-x/m0/b0/p1").status == store::NodeStatus::finished);
    REQUIRE_FALSE(h.rec.find("t/cd-x/m0/b0/p1/b0/p1.1").has_value());
    REQUIRE(outcome.metrics.threads == 3);
}

TEST_CASE("Outlines past --max-children are dropped and recorded", "[planner][multiverse]") {
    std::vector<ScriptRule> rules = flat_rules();
    rules[0].reply = "\n" + goal({"1", "2", "3"});
    rules.push_back({"<Path>\n3:", "", "never\n</Path>", 0us});
    test::MultiverseScript script(rules);
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::StrategyOptions o = options();
    o.max_children = 2;
    planner::TaskOutcome outcome = h.solve(*backend, o);

    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(script.ending_with("<Path>\n3:").empty());
    auto dropped = h.events("t/cd-x/m0", "outlines_dropped");
    REQUIRE(dropped.size() == 1);
    REQUIRE(dropped[0]["dropped"] == nlohmann::json::array({"3"}));
    REQUIRE(dropped[0]["reason"].get<std::string>().find("--max-children") != std::string::npos);
    REQUIRE(script.ending_with("<Conclusion>\n")[0].layout->path_chars.size() == 2);
}

TEST_CASE("Paths past --max-threads are not started; a single kept path reduces as plain text",
          "[planner][multiverse]") {
    test::MultiverseScript script(flat_rules());
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::StrategyOptions o = options();
    o.max_threads = 2;  // the main thread and one path
    planner::TaskOutcome outcome = h.solve(*backend, o);

    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(script.ending_with("<Path>\n2:").empty());
    auto dropped = h.events("t/cd-x/m0", "outlines_dropped");
    REQUIRE(dropped.size() == 1);
    REQUIRE(dropped[0]["reason"].get<std::string>().find("--max-threads") != std::string::npos);
    auto reduce = script.ending_with("<Conclusion>\n");
    REQUIRE(reduce.size() == 1);
    REQUIRE_FALSE(reduce[0].layout.has_value());
    REQUIRE(outcome.metrics.threads == 2);
}

TEST_CASE("With no thread left under --max-threads the fork is refused and the thread goes on",
          "[planner][multiverse]") {
    std::vector<ScriptRule> rules = flat_rules();
    rules.insert(rules.begin(), ScriptRule{"</Outline>\n</Goal>\n", "",
                                           "Sequentially then.\n</Parallel>\n" + kSolvedTail, 0us});
    test::MultiverseScript script(rules);
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::StrategyOptions o = options();
    o.max_threads = 1;
    planner::TaskOutcome outcome = h.solve(*backend, o);
    auto refused = h.events("t/cd-x/m0", "fork_refused");
    REQUIRE(refused.size() == 1);
    REQUIRE(refused[0]["reason"].get<std::string>().find("--max-threads 1") != std::string::npos);
    REQUIRE(script.seen().size() == 2);
    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(outcome.metrics.threads == 1);
}

TEST_CASE("No fork within 30 tokens of the thread's token cap", "[planner][multiverse]") {
    std::vector<ScriptRule> rules = flat_rules();
    rules.insert(rules.begin(), ScriptRule{"</Outline>\n</Goal>\n", "", words(60), 0us});
    test::MultiverseScript script(rules);
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::StrategyOptions o = options();
    const std::int64_t first_call =
        backends::estimate_tokens(kRootReply.substr(0, kRootReply.find("</Goal>")));
    o.thread_tokens = first_call + 20;
    planner::TaskOutcome outcome = h.solve(*backend, o);

    auto refused = h.events("t/cd-x/m0", "fork_refused");
    REQUIRE(refused.size() == 1);
    REQUIRE(refused[0]["reason"].get<std::string>().find("token cap") != std::string::npos);
    REQUIRE(script.ending_with("<Path>\n1:").empty());
    REQUIRE(script.seen().size() == 2);
    REQUIRE(script.seen()[1].max_tokens == 20);
    REQUIRE(h.node("t/cd-x/m0").status == store::NodeStatus::finished);  // ended by its token cap
    REQUIRE(outcome.status == store::TaskStatus::unsolved);
}

TEST_CASE("A path with malformed output fails alone; the reduce keeps the other paths",
          "[planner][multiverse]") {
    struct Case {
        std::string name, path2, reason;
    };
    const std::vector<Case> cases = {
        {"</Goal> with no outline", " hmm\n<Parallel>\n<Goal>\nno outlines here\n</Goal>",
         "no outline"},
        {"duplicate outline ids", goal({"2.1", "2.1"}), "duplicate outline id '2.1'"},
        {"unbalanced tags at </Path>", " <Parallel>\nforgot to close\n</Path>",
         "<Parallel> open at </Path>"},
        {"a closing tag that does not match", " </Conclusion>\n</Path>",
         "</Conclusion> with no open tag"},
        {"a path ending without </Path>", " and then the model stopped", "ended without </Path>"},
    };
    for (const Case& c : cases) {
        SECTION(c.name) {
            std::vector<ScriptRule> rules = flat_rules();
            rules[2].reply = c.path2;
            test::MultiverseScript script(rules);
            auto backend = script.backend();
            test::MultiverseHarness h;
            planner::TaskOutcome outcome = h.solve(*backend, options());

            REQUIRE(h.node("t/cd-x/m0/b0/p2").status == store::NodeStatus::failed);
            REQUIRE(failure_reason(h, "t/cd-x/m0/b0/p2").find(c.reason) != std::string::npos);
            REQUIRE(h.node("t/cd-x/m0").status == store::NodeStatus::finished);
            auto join = h.events("t/cd-x/m0/b0/join", "node_finished");
            REQUIRE(join.size() == 1);
            REQUIRE(join[0]["kept"] == nlohmann::json::array({"1"}));
            REQUIRE(join[0]["failed"][0]["path"] == "2");
            auto reduce = script.ending_with("<Conclusion>\n");
            REQUIRE(reduce.size() == 1);
            REQUIRE(reduce[0].prompt.find("<Path>\n2:") == std::string::npos);
            REQUIRE_FALSE(reduce[0].layout.has_value());
            REQUIRE(outcome.status == store::TaskStatus::solved);
        }
    }
}

TEST_CASE("Malformed output of the main thread fails that thread with the reason, not the run",
          "[planner][multiverse]") {
    struct Case {
        std::string name, root, reason;
    };
    const std::vector<Case> cases = {
        {"</Path> outside a path", "\nthinking\n</Path>", "</Path> outside a path"},
        {"duplicate outline ids", "\n" + goal({"1", "1"}), "duplicate outline id '1'"},
        {"<Goal> outside a <Parallel>", "\n<Goal>\n<Outline>\n1: x\n</Outline>\n</Goal>",
         "<Goal> outside a <Parallel>"},
        {"</Goal> with no open <Goal>", "\n<Parallel>\n</Goal>", "</Goal> with no open <Goal>"},
        {"a block left open at the end", "\n<Parallel>\nand stop\n", "<Parallel> open at the end"},
    };
    for (const Case& c : cases) {
        SECTION(c.name) {
            std::vector<ScriptRule> rules = flat_rules();
            rules[0].reply = c.root;
            test::MultiverseScript script(rules);
            auto backend = script.backend();
            test::MultiverseHarness h;
            planner::TaskOutcome outcome = h.solve(*backend, options());

            REQUIRE(outcome.status == store::TaskStatus::failed);
            REQUIRE(outcome.error.find(c.reason) != std::string::npos);
            REQUIRE(failure_reason(h, "t/cd-x/m0").find(c.reason) != std::string::npos);
            REQUIRE(outcome.candidates.empty());
            REQUIRE(h.node("t/cd-x/select").status == store::NodeStatus::finished);
        }
    }
}

TEST_CASE("A block whose every path failed fails its thread", "[planner][multiverse]") {
    std::vector<ScriptRule> rules = flat_rules();
    rules[1].reply = " oops </Goal>";
    rules[2].reply = " stopped";
    test::MultiverseScript script(rules);
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::TaskOutcome outcome = h.solve(*backend, options());
    REQUIRE(outcome.status == store::TaskStatus::failed);
    REQUIRE(failure_reason(h, "t/cd-x/m0").find("every path of block 0 failed") !=
            std::string::npos);
    REQUIRE(h.node("t/cd-x/m0/b0/join").status == store::NodeStatus::failed);
    REQUIRE(script.ending_with("<Conclusion>\n").empty());
}

TEST_CASE("More parallel blocks than --max-spawns fail the thread", "[planner][multiverse]") {
    std::vector<ScriptRule> rules = flat_rules();
    rules[3].reply = "first block done.\n</Conclusion>\n</Parallel>\nAgain:\n" + goal({"1", "2"});
    test::MultiverseScript script(rules);
    auto backend = script.backend();
    test::MultiverseHarness h;
    planner::StrategyOptions o = options();
    o.max_spawns = 1;
    planner::TaskOutcome outcome = h.solve(*backend, o);
    REQUIRE(outcome.status == store::TaskStatus::failed);
    REQUIRE(failure_reason(h, "t/cd-x/m0").find("--max-spawns") != std::string::npos);
}

TEST_CASE(
    "Multiverse samples are independent main threads selected by majority, the same for the same "
    "seed",
    "[planner][multiverse]") {
    // The conclusion of a main thread whose seed is divisible by 3 misses the answer, so which
    // samples solve depends on the run seed.
    auto run_once = [](std::uint64_t run_seed) {
        test::MultiverseScript script(flat_rules());
        backends::ScriptedBackend backend(
            [&script](const backends::CompletionRequest& r, std::size_t) {
                backends::ScriptedReply reply = script.reply(r);
                if (test::MultiverseScript::ends_with(r.prompt, "<Conclusion>\n") &&
                    r.sampling.seed % 3 == 0)
                    reply.text = "no luck\n</Conclusion>\n</Parallel>\n";
                return reply;
            });
        test::MultiverseHarness h;
        h.run_seed = run_seed;
        planner::TaskOutcome outcome = h.solve(backend, options(5));
        return std::make_pair(outcome, script.seen());
    };
    auto [a, seen_a] = run_once(11);
    auto [b, seen_b] = run_once(11);
    REQUIRE(a.candidates.size() == 5);
    REQUIRE(a.metrics.threads == 15);
    REQUIRE(a.metrics.model_calls == 20);
    REQUIRE(a.status == b.status);
    REQUIRE(a.selection.index == b.selection.index);
    REQUIRE(seen_a.size() == seen_b.size());
    for (std::size_t i = 0; i < seen_a.size(); ++i) {
        REQUIRE(seen_a[i].prompt == seen_b[i].prompt);
        REQUIRE(seen_a[i].seed == seen_b[i].seed);
    }
    for (std::size_t i = 0; i < a.candidates.size(); ++i)
        REQUIRE(a.candidates[i].output == b.candidates[i].output);
    std::set<std::uint64_t> seeds;
    for (const auto& s : seen_a) seeds.insert(s.seed);
    REQUIRE(seeds.size() == 15);  // one seed per thread, from its path
    auto [c, seen_c] = run_once(12);
    REQUIRE(seen_c[0].seed != seen_a[0].seed);
}
