// The APR planner (planner/apr/apr_strategy.cpp) over the symbolic APR model and scripted models.
#include <catch2/catch.hpp>

#include <optional>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "planner/strategy.hpp"
#include "store/store.hpp"
#include "tasks/countdown/standin/apr_search.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/standin/symbolic_backend.hpp"
#include "tests/support/temp_dir.hpp"
#include "workers/thread_context.hpp"

using namespace braid;
namespace cd = braid::tasks::countdown;

namespace {

constexpr std::uint64_t kRunSeed = 11;

struct AprHarness {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "apr.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;
    tasks::Task task;

    explicit AprHarness(const cd::Problem& p)
        : task{"cd-x", "countdown",
               nlohmann::json{{"id", "cd-x"}, {"kind", "countdown"}, {"numbers", p.numbers}, {"target", p.target}}} {}

    planner::TaskOutcome solve(backends::Backend& backend, const planner::StrategyOptions& options) {
        auto strategy = planner::make_strategy("apr", options);
        REQUIRE(strategy.has_value());
        workers::RunServices services{rec, backend, ledger, log, kRunSeed, ""};
        planner::TaskScope scope;
        scope.task = &task;
        scope.kind = tasks::find_task_kind("countdown");
        scope.path = "t/cd-x";
        scope.node = rec.create_node(NodeId{0}, scope.path, store::NodeKind::task, "cd-x");
        scope.account = ledger.open(ledger.root(), scope.path);
        auto outcome = async::run_sync(io, (*strategy)->solve(services, scope));
        db->flush_sync();
        return outcome;
    }

    // The payloads of every event of `type` on the node at `path`.
    std::vector<nlohmann::json> events(std::string_view path, std::string_view type) {
        NodeId id;
        for (const auto& n : db->nodes(run))
            if (n.path == path) id = n.id;
        std::vector<nlohmann::json> out;
        for (const auto& e : db->events(run))
            if (e.node == id && e.type == type) out.push_back(nlohmann::json::parse(e.payload_json));
        return out;
    }

    std::optional<store::NodeStatus> status_of(std::string_view path) {
        for (const auto& n : db->nodes(run))
            if (n.path == path) return n.status;
        return std::nullopt;  // absent
    }
};

planner::StrategyOptions apr_options(int max_depth = 2) {
    planner::StrategyOptions o;
    o.samples = 1;
    o.max_tokens = 100000;  // the symbolic model's traces are long; no cap cuts them here
    o.thread_tokens = 1000000;
    o.max_depth = max_depth;
    return o;
}

std::unique_ptr<cd::SymbolicBackend> apr_model(int spawn_depth) {
    cd::SymbolicOptions options;
    options.style = cd::SymbolicStyle::apr;
    options.apr.spawn_depth = spawn_depth;
    return std::make_unique<cd::SymbolicBackend>(options);
}

// What the root thread of sample 0 should end with: the offline trace of the same model and seed.
cd::AprTrace offline_trace(const cd::Problem& p, int spawn_depth) {
    cd::AprOptions options;
    options.spawn_depth = spawn_depth;
    return cd::apr_search(cd::root_state(p), workers::node_seed(kRunSeed, "t/cd-x/r0"), options);
}

}  // namespace

TEST_CASE("APR over the symbolic APR model reproduces the offline traces at depth 1", "[planner][apr]") {
    int spawned = 0, solved = 0;
    for (const cd::Problem& p : cd::generate(3, 12)) {
        AprHarness h(p);
        auto model = apr_model(1);
        planner::TaskOutcome outcome = h.solve(*model, apr_options());
        cd::AprTrace trace = offline_trace(p, 1);
        INFO("target " << p.target);
        REQUIRE(outcome.candidates.size() == 1);
        const std::string root_prompt = cd::root_prompt(p);
        CHECK(root_prompt + outcome.candidates[0].output == trace.final_text());
        CHECK((outcome.status == store::TaskStatus::solved) == trace.solved);
        CHECK(outcome.metrics.threads == trace.threads);
        CHECK(outcome.metrics.max_depth == trace.max_depth + 1);
        // Every spawn was joined: one "join" event per spawn of the root.
        CHECK(h.events("t/cd-x/r0", "join").size() == trace.spawns.size());
        spawned += trace.spawns.empty() ? 0 : 1;
        solved += trace.solved ? 1 : 0;
    }
    CHECK(spawned > 6);
    CHECK(solved > 4);
}

TEST_CASE("APR joins children that spawn children of their own (depth 2)", "[planner][apr]") {
    int deep = 0;
    for (const cd::Problem& p : cd::generate(4, 10)) {
        AprHarness h(p);
        auto model = apr_model(2);
        planner::TaskOutcome outcome = h.solve(*model, apr_options(2));
        cd::AprTrace trace = offline_trace(p, 2);
        INFO("target " << p.target);
        REQUIRE(outcome.candidates.size() == 1);
        CHECK(cd::root_prompt(p) + outcome.candidates[0].output == trace.final_text());
        CHECK((outcome.status == store::TaskStatus::solved) == trace.solved);
        CHECK(outcome.metrics.threads == trace.threads);
        if (trace.max_depth == 2) {
            ++deep;
            CHECK(outcome.metrics.max_depth == 3);
            // A grandchild exists and finished; its parent (a child) recorded a join.
            bool grandchild = false;
            for (const auto& n : h.db->nodes(h.run)) {
                if (n.kind != store::NodeKind::thread ||
                    std::count(n.path.begin(), n.path.end(), '/') != 4)
                    continue;
                grandchild = true;
                CHECK(n.status == store::NodeStatus::finished);
            }
            CHECK(grandchild);
        }
        // The critical path is shorter than the total whenever children ran.
        if (trace.threads > 1) CHECK(outcome.metrics.critical_path_tokens < outcome.metrics.total_tokens);
    }
    CHECK(deep > 0);
}

TEST_CASE("A spawn deeper than --max-depth fails that thread only", "[planner][apr]") {
    // The model spawns at two levels; the planner allows one. Children that try to spawn fail with
    // the reason recorded; their parent joins them as no-solution and finishes.
    int failed_children = 0;
    for (const cd::Problem& p : cd::generate(4, 10)) {
        AprHarness h(p);
        auto model = apr_model(2);
        planner::TaskOutcome outcome = h.solve(*model, apr_options(1));
        REQUIRE(outcome.candidates.size() == 1);
        CHECK(h.status_of("t/cd-x/r0") == store::NodeStatus::finished);
        CHECK(outcome.metrics.max_depth <= 2);
        for (const auto& n : h.db->nodes(h.run)) {
            if (n.kind != store::NodeKind::thread || n.status != store::NodeStatus::failed)
                continue;
            ++failed_children;
            auto failed = h.events(n.path, "node_failed");
            REQUIRE(failed.size() == 1);
            CHECK(failed[0]["reason"].get<std::string>().find("exceeds --max-depth 1") != std::string::npos);
        }
    }
    CHECK(failed_children > 0);
}

TEST_CASE("APR forces a real spawn when the model writes <Sub Searches> itself", "[planner][apr]") {
    const cd::Problem p{{22, 26, 31, 53}, 27};
    std::vector<std::string> prompts;
    backends::ScriptedBackend model([&](const backends::CompletionRequest& r, std::size_t) {
        prompts.push_back(r.prompt);
        if (prompts.size() == 1)  // invents child results
            return backends::ScriptedReply{"\nExploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n"
                                           "Generated Node #0,0: 27:[26, 31, 31] Operation: 53-22=31\n"
                                           "<Sub Searches>\n<Goal Reached ...>",
                                           {}, {}};
        if (prompts.size() == 2)  // after the rewrite: names its child and ends the call
            return backends::ScriptedReply{"<Start Sub Search 0 at level 1> Moving to Node #0,0\n<End Calling Sub Searches>\n",
                                           {}, {}};
        if (prompts.size() == 3) return backends::ScriptedReply{"\nNo solution found.\n", {}, {}};  // the child
        return backends::ScriptedReply{"No solution found.\n", {}, {}};
    });
    AprHarness h(p);
    planner::TaskOutcome outcome = h.solve(model, apr_options());
    REQUIRE(prompts.size() == 4);
    CHECK(prompts[1].ends_with("Operation: 53-22=31\n<Calling Sub Searches>\n"));
    CHECK(prompts[2] == "Moving to Node #0,0\nCurrent State: 27:[26, 31, 31], Operations: ['53-22=31']");
    CHECK(prompts[3].ends_with("<Sub Searches>\n<No Solution in Sub Search 0 at level 1 at Node #0,0>\n<End Sub Searches>\n"));
    CHECK(h.events("t/cd-x/r0", "rewrite").size() == 1);
    CHECK(outcome.status == store::TaskStatus::unsolved);
    CHECK(outcome.metrics.threads == 2);
}

TEST_CASE("Malformed spawns fail the thread with a recorded reason, not the run", "[planner][apr]") {
    const cd::Problem p{{22, 26, 31, 53}, 27};
    const std::string announce = "\nExploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n"
                                 "Generated Node #0,0: 27:[26, 31, 31] Operation: 53-22=31\n";
    SECTION("a spawn naming a node never generated") {
        auto model = backends::ScriptedBackend::canned(
            {{announce + cd::spawn_block({"0,7"}), {}, {}}});
        AprHarness h(p);
        planner::TaskOutcome outcome = h.solve(*model, apr_options());
        CHECK(outcome.status == store::TaskStatus::failed);
        CHECK(outcome.error.find("#0,7 was never generated") != std::string::npos);
        auto failed = h.events("t/cd-x/r0", "node_failed");
        REQUIRE(failed.size() == 1);
        CHECK(failed[0]["reason"].get<std::string>().find("#0,7 was never generated") != std::string::npos);
    }
    SECTION("an endless spawn loop stops at --max-spawns") {
        // Every parent call spawns the same child again; every child finds nothing.
        backends::ScriptedBackend model([&](const backends::CompletionRequest& r, std::size_t) {
            if (r.prompt.starts_with("Moving to Node #0,0")) return backends::ScriptedReply{"\nNo solution found.\n", {}, {}};
            return backends::ScriptedReply{announce + cd::spawn_block({"0,0"}), {}, {}};
        });
        planner::StrategyOptions o = apr_options();
        o.max_spawns = 3;
        AprHarness h(p);
        planner::TaskOutcome outcome = h.solve(model, o);
        CHECK(outcome.status == store::TaskStatus::failed);
        CHECK(outcome.error.find("exceeds --max-spawns 3") != std::string::npos);
        CHECK(h.events("t/cd-x/r0", "join").size() == 3);
        CHECK(outcome.metrics.threads == 4);
    }
}

TEST_CASE("Children beyond --max-children and --max-threads are not started", "[planner][apr]") {
    const cd::Problem p{{22, 26, 31, 53}, 27};
    const std::string announce = "\nExploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n"
                                 "Generated Node #0,0: 27:[26, 31, 31] Operation: 53-22=31\n"
                                 "Exploring Operation: 26+22=48, Resulting Numbers: [31, 53, 48]\n"
                                 "Generated Node #0,1: 27:[31, 53, 48] Operation: 26+22=48\n"
                                 "Exploring Operation: 31-26=5, Resulting Numbers: [22, 53, 5]\n"
                                 "Generated Node #0,2: 27:[22, 53, 5] Operation: 31-26=5\n";
    auto run = [&](planner::StrategyOptions o) {
        std::vector<std::string> children;
        backends::ScriptedBackend model([&](const backends::CompletionRequest& r, std::size_t) {
            if (r.prompt.starts_with("Moving to Node #0,")) {
                children.push_back(r.prompt.substr(0, r.prompt.find('\n')));
                return backends::ScriptedReply{"\nNo solution found.\n", {}, {}};
            }
            if (r.prompt.ends_with("<End Sub Searches>\n")) return backends::ScriptedReply{"No solution found.\n", {}, {}};
            return backends::ScriptedReply{announce + cd::spawn_block({"0,0", "0,1", "0,2"}), {}, {}};
        });
        AprHarness h(p);
        planner::TaskOutcome outcome = h.solve(model, o);
        CHECK(outcome.status == store::TaskStatus::unsolved);
        auto capped = h.events("t/cd-x/r0", "children_capped");
        return std::make_pair(children, capped);
    };
    planner::StrategyOptions o = apr_options();
    o.max_children = 2;
    auto [by_children, capped_children] = run(o);
    CHECK(by_children == std::vector<std::string>{"Moving to Node #0,0", "Moving to Node #0,1"});
    REQUIRE(capped_children.size() == 1);
    CHECK(capped_children[0]["skipped"][0]["reason"] == "--max-children");

    o = apr_options();
    o.max_threads = 2;  // the root and one child
    auto [by_threads, capped_threads] = run(o);
    CHECK(by_threads == std::vector<std::string>{"Moving to Node #0,0"});
    REQUIRE(capped_threads.size() == 1);
    CHECK(capped_threads[0]["skipped"].size() == 2);
}

TEST_CASE("APR with budget prefixes conditions the root and the children", "[planner][apr]") {
    const cd::Problem p{{22, 26, 31, 53}, 27};
    std::vector<std::string> prompts;
    backends::ScriptedBackend model([&](const backends::CompletionRequest& r, std::size_t) {
        prompts.push_back(r.prompt);
        if (prompts.size() == 1)
            return backends::ScriptedReply{"\nExploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]\n"
                                           "Generated Node #0,0: 27:[26, 31, 31] Operation: 53-22=31\n" +
                                               cd::spawn_block({"0,0"}),
                                           {}, {}};
        return backends::ScriptedReply{"\nNo solution found.\n", {}, {}};
    });
    planner::StrategyOptions o = apr_options();
    o.sub_call_budget = 10;
    o.child_token_budget = 1000;
    AprHarness h(p);
    h.solve(model, o);
    REQUIRE(prompts.size() == 3);
    CHECK(prompts[0].starts_with("Sub Call Budget: 10 Moving to Node #0\n"));
    CHECK(prompts[1].starts_with("Token Budget: 1024 Moving to Node #0,0\n"));
}

TEST_CASE("APR options are validated when the strategy is made", "[planner][apr]") {
    auto strategy = planner::make_strategy("apr", apr_options());
    REQUIRE(strategy.has_value());
    CHECK((*strategy)->name() == "apr");
    auto bad = apr_options();
    bad.max_depth = 0;
    auto refused = planner::make_strategy("apr", bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message.find("--max-depth") != std::string::npos);
}
