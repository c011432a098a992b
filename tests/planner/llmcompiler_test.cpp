#include <catch2/catch.hpp>

#include <fstream>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "planner/llmcompiler/prompts.hpp"
#include "planner/llmcompiler/task_fetching_unit.hpp"
#include "planner/strategy.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace braid;
using namespace braid::planner::llmcompiler;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Test-only tool: completes on a timer of the caller's executor (no thread, no sleep), returning
// "done(<arg>)". Stands in for a slow API call.
class TimerTool final : public workers::tools::Tool {
public:
    explicit TimerTool(std::chrono::milliseconds delay) : delay_(delay) {}
    std::string_view name() const override { return "slow"; }
    std::string_view description() const override { return "slow(x): answers after a delay"; }
    asio::awaitable<Result<workers::tools::ToolOutput>> run(json args,
                                                            asio::thread_pool&) const override {
        asio::steady_timer timer(co_await asio::this_coro::executor, delay_);
        co_await timer.async_wait(asio::use_awaitable);
        co_return workers::tools::ToolOutput{"done(" + args.at(0).get<std::string>() + ")", {}};
    }

private:
    std::chrono::milliseconds delay_;
};

struct Harness {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "p.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;
    tasks::Task task{"q-1", "answer",
                     json{{"id", "q-1"},
                          {"kind", "answer"},
                          {"question", "What is 6 * 7 + 0.5?"},
                          {"answer", "42.5"}}};

    planner::TaskOutcome solve(backends::Backend& backend, planner::StrategyOptions options) {
        auto strategy = planner::make_strategy("llmcompiler", std::move(options));
        REQUIRE(strategy.has_value());
        workers::RunServices services{rec, backend, ledger, log, 5, ""};
        planner::TaskScope scope;
        scope.task = &task;
        scope.kind = tasks::find_task_kind("answer");
        scope.path = "t/q-1";
        scope.node = rec.create_node(NodeId{0}, scope.path, store::NodeKind::task, "q-1");
        scope.account = ledger.open(ledger.root(), scope.path);
        auto outcome = async::run_sync(io, (*strategy)->solve(services, scope));
        db->flush_sync();
        return outcome;
    }

    const store::NodeRecord& node(const std::string& path) {
        auto id = rec.find(path);
        REQUIRE(id.has_value());
        return *rec.node(*id);
    }
};

bool is_planner(const backends::CompletionRequest& r) {
    return r.prompt.find(kPlannerHeader) != std::string::npos;
}

std::string write_tools(const test::TempDir& dir, const json& doc) {
    std::string path = dir / "tools.json";
    std::ofstream(path) << doc.dump();
    return path;
}

std::optional<std::int64_t> event_seq(const std::vector<store::EventRecord>& events, NodeId node,
                                      const std::string& type) {
    for (const auto& e : events)
        if (e.node == node && e.type == type) return e.seq;
    return std::nullopt;
}

}  // namespace

TEST_CASE(
    "The fetching unit runs independent tool calls concurrently and a dependent one after its "
    "dependency",
    "[planner][llmcompiler]") {
    Harness h;
    workers::tools::ToolRegistry tools;
    REQUIRE(tools.add(std::make_unique<TimerTool>(100ms)).has_value());
    StreamingPlanParser parser({"slow"});
    auto steps =
        parser.feed("1. slow(\"a\")\n2. slow(\"b\")\n3. slow(\"$1 and ${2}\")\n4. join()\n");
    REQUIRE(steps.size() == 4);
    NodeId parent = h.rec.create_node(NodeId{0}, "r", store::NodeKind::thread, "round");
    NodeId planner = h.rec.create_node(parent, "r/plan", store::NodeKind::call, "planner");

    TaskFetchingUnit tfu(h.io.get_executor(), tools, h.rec);
    auto run = [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i)
            tfu.submit(steps[static_cast<std::size_t>(i)], parent, planner,
                       "r/t" + std::to_string(i + 1));
        co_await tfu.wait_idle();
    };
    async::run_sync(h.io, run());

    const StepRun& a = tfu.runs().at(1);
    const StepRun& b = tfu.runs().at(2);
    const StepRun& c = tfu.runs().at(3);
    REQUIRE((a.ok && b.ok && c.ok));
    // 1 and 2 overlap in time: each started before the other ended.
    REQUIRE(a.started < b.ended);
    REQUIRE(b.started < a.ended);
    // 3 waited for both, and saw their observations.
    REQUIRE(c.started >= a.ended);
    REQUIRE(c.started >= b.ended);
    REQUIRE(c.args == json::array({"done(a) and done(b)"}));
    REQUIRE(c.observation == "done(done(a) and done(b))");
    // Critical path: two timer waits in a chain, not three.
    REQUIRE(tfu.critical_path_ms() >= 200.0);
    REQUIRE(tfu.critical_path_ms() < 300.0 + 200.0);

    h.db->flush_sync();
    auto nodes = h.db->nodes(h.run);
    int tool_nodes = 0;
    for (const auto& n : nodes)
        if (n.kind == store::NodeKind::tool) {
            ++tool_nodes;
            REQUIRE(n.status == store::NodeStatus::finished);
        }
    REQUIRE(tool_nodes == 3);
    int depends_into_c = 0;
    for (const auto& e : h.db->edges(h.run))
        depends_into_c += e.dst == c.node && e.kind == store::EdgeKind::depends;
    REQUIRE(depends_into_c == 3);  // from the planner, step 1 and step 2
    auto events = h.db->events(h.run);
    auto call = event_seq(events, c.node, "tool_call");
    REQUIRE(call.has_value());
    REQUIRE(*call > *event_seq(events, a.node, "tool_result"));
    REQUIRE(*call > *event_seq(events, b.node, "tool_result"));
}

TEST_CASE("Cancelling the wait cancels running tool calls and drops steps not yet started",
          "[planner][llmcompiler]") {
    Harness h;
    workers::tools::ToolRegistry tools;
    REQUIRE(tools.add(std::make_unique<TimerTool>(std::chrono::milliseconds(60'000))).has_value());
    StreamingPlanParser parser({"slow"});
    auto steps = parser.feed("1. slow(\"a\")\n2. slow(\"$1\")\n");
    NodeId parent = h.rec.create_node(NodeId{0}, "r", store::NodeKind::thread, "round");
    TaskFetchingUnit tfu(h.io.get_executor(), tools, h.rec);
    asio::cancellation_signal stop;
    bool returned = false;
    auto waiter = [&]() -> asio::awaitable<void> {
        tfu.submit(steps[0], parent, parent, "r/t1");
        tfu.submit(steps[1], parent, parent, "r/t2");
        co_await tfu.wait_idle();
        returned = true;
    };
    asio::co_spawn(
        h.io, waiter(),
        asio::bind_cancellation_slot(stop.slot(), [](std::exception_ptr e) { REQUIRE_FALSE(e); }));
    // Cancel once the first call is running (the io_context has started it), then drain.
    asio::steady_timer soon(h.io, 20ms);
    soon.async_wait([&](std::error_code) { stop.emit(asio::cancellation_type::terminal); });
    const auto t0 = std::chrono::steady_clock::now();
    h.io.run();
    REQUIRE(returned);
    REQUIRE(std::chrono::steady_clock::now() - t0 < 10s);  // not the tool's 60 s
    REQUIRE(tfu.runs().at(1).done);
    REQUIRE_FALSE(tfu.runs().at(1).ok);
    REQUIRE_FALSE(tfu.runs().at(2).done);  // never started
    REQUIRE(h.rec.node(tfu.runs().at(2).node)->status == store::NodeStatus::cancelled);
}

TEST_CASE("A tool's failure becomes its observation and does not stop dependent steps",
          "[planner][llmcompiler]") {
    Harness h;
    auto calculator = workers::tools::make_tool_registry("", "");
    REQUIRE(calculator.has_value());
    StreamingPlanParser parser({"calculator"});
    auto steps = parser.feed("1. calculator(\"1 / 0\")\n2. calculator(\"$1\")\n");
    NodeId parent = h.rec.create_node(NodeId{0}, "r", store::NodeKind::thread, "round");
    TaskFetchingUnit tfu(h.io.get_executor(), **calculator, h.rec);
    auto run = [&]() -> asio::awaitable<void> {
        tfu.submit(steps[0], parent, parent, "r/t1");
        tfu.submit(steps[1], parent, parent, "r/t2");
        co_await tfu.wait_idle();
    };
    async::run_sync(h.io, run());
    REQUIRE_FALSE(tfu.runs().at(1).ok);
    REQUIRE_THAT(tfu.runs().at(1).observation,
                 Catch::StartsWith("Error: ") && Catch::Contains("division by zero"));
    REQUIRE(tfu.runs().at(2).done);
    REQUIRE_FALSE(tfu.runs().at(2).ok);
}

TEST_CASE(
    "LLMCompiler runs a streamed plan's calls in parallel and finishes with the joiner's answer",
    "[planner][llmcompiler]") {
    Harness h;
    planner::StrategyOptions options;
    options.workspace = h.dir.path().string();
    options.tools_path = write_tools(h.dir, {{"tools",
                                              {{{"name", "echo"},
                                                {"description", "echo(x): prints x"},
                                                {"command", {"echo", "{arg0}"}}}}}});
    std::vector<std::string> joiner_prompts;
    backends::ScriptedBackend backend([&](const backends::CompletionRequest& r, std::size_t) {
        if (is_planner(r))
            return backends::ScriptedReply{
                "Thought: two independent calls, then one that uses both.\n"
                "1. calculator(\"6 * 7\")\n"
                "2. echo(\"hello\")\n"
                "3. calculator(\"$1 + 0.5\")\n"
                "4. join()<END_OF_PLAN>\nnever seen",
                5ms, std::nullopt};
        joiner_prompts.push_back(r.prompt);
        return backends::ScriptedReply{"Thought: step 3 is the answer.\nAction: Finish(42.5)", 0us,
                                       std::nullopt};
    });
    planner::TaskOutcome outcome = h.solve(backend, options);
    INFO(outcome.error);
    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(outcome.candidates.size() == 1);
    REQUIRE(outcome.candidates[0].normalized == "42.5");
    REQUIRE(outcome.metrics.model_calls == 2);
    REQUIRE(outcome.metrics.threads == 1);
    REQUIRE(outcome.metrics.total_tokens > 0);
    REQUIRE(outcome.metrics.critical_path_tokens == outcome.metrics.total_tokens);

    REQUIRE(joiner_prompts.size() == 1);
    const std::string& jp = joiner_prompts[0];
    REQUIRE_THAT(jp, Catch::Contains("Question: What is 6 * 7 + 0.5?"));
    REQUIRE_THAT(jp, Catch::Contains("Thought: two independent calls, then one that uses both.\n1. "
                                     "calculator(\"6 * 7\")\nObservation: 42\n"));
    REQUIRE_THAT(jp, Catch::Contains("2. echo(\"hello\")\nObservation: hello\n"));
    REQUIRE_THAT(jp, Catch::Contains("3. calculator(\"$1 + 0.5\")\nObservation: 42.5\n"));
    REQUIRE_THAT(jp, Catch::Contains("Action: Replan("));  // one replan is allowed (the default)

    // Step 1 ran while the planner was still streaming: its result is recorded before the
    // planner's call ended.
    auto events = h.db->events(h.run);
    NodeId planner = h.node("t/q-1/r0/plan").id;
    NodeId t1 = h.node("t/q-1/r0/t1").id;
    REQUIRE(h.node("t/q-1/r0/t1").kind == store::NodeKind::tool);
    REQUIRE(*event_seq(events, t1, "tool_result") < *event_seq(events, planner, "node_finished"));
    REQUIRE(h.node("t/q-1/r0").status == store::NodeStatus::finished);
    REQUIRE(h.node("t/q-1/r0/t2").status == store::NodeStatus::finished);
}

TEST_CASE("LLMCompiler replans once with the previous plan's observations, then finishes",
          "[planner][llmcompiler]") {
    Harness h;
    h.task.input["answer"] = 4;
    planner::StrategyOptions options;
    options.max_replans = 1;
    std::vector<std::string> planner_prompts, joiner_prompts;
    backends::ScriptedBackend backend([&](const backends::CompletionRequest& r, std::size_t) {
        if (is_planner(r)) {
            planner_prompts.push_back(r.prompt);
            if (r.prompt.find(kCurrentPlan) == std::string::npos)
                return backends::ScriptedReply{"1. calculator(\"1 + 1\")\n2. join()", 0us,
                                               std::nullopt};
            return backends::ScriptedReply{"3. calculator(\"$1 * 2\")\n4. join()", 0us,
                                           std::nullopt};
        }
        joiner_prompts.push_back(r.prompt);
        if (r.prompt.find("Observation: 4") == std::string::npos)
            return backends::ScriptedReply{
                "Thought: I still need to double it.\nAction: Replan(double step 1)", 0us,
                std::nullopt};
        return backends::ScriptedReply{"Thought: done.\nAction: Finish(4)", 0us, std::nullopt};
    });
    planner::TaskOutcome outcome = h.solve(backend, options);
    INFO(outcome.error);
    REQUIRE(outcome.status == store::TaskStatus::solved);
    REQUIRE(outcome.metrics.threads == 2);
    REQUIRE(outcome.metrics.model_calls == 4);
    REQUIRE(planner_prompts.size() == 2);
    REQUIRE_THAT(planner_prompts[1],
                 Catch::Contains("Previous Plan:\n\n1. calculator(\"1 + 1\")\nObservation: 2\n"));
    REQUIRE_THAT(planner_prompts[1], Catch::Contains("Thought: I still need to double it."));
    REQUIRE_THAT(planner_prompts[1], Catch::Contains("Number the new steps from 2."));
    REQUIRE(joiner_prompts.size() == 2);
    REQUIRE_THAT(joiner_prompts[0], Catch::Contains("Action: Replan("));
    REQUIRE_THAT(joiner_prompts[1],
                 !Catch::Contains("Action: Replan("));  // the last round must finish
    REQUIRE_THAT(joiner_prompts[1],
                 Catch::Contains("Observation: 2\n") &&
                     Catch::Contains("3. calculator(\"$1 * 2\")\nObservation: 4"));
    REQUIRE(h.node("t/q-1/r0").status == store::NodeStatus::finished);
    REQUIRE(h.node("t/q-1/r1/t3").kind == store::NodeKind::tool);
    // Shared prefixes count once: the replanner repeats the planner's prompt, the second joiner
    // the first one's scratchpad, so the metric is below the calls' summed usage.
    std::int64_t summed = 0;
    for (const auto& n : h.db->nodes(h.run))
        if (n.kind == store::NodeKind::call)
            summed += n.usage.prompt_tokens + n.usage.completion_tokens;
    REQUIRE(outcome.metrics.total_tokens > 0);
    REQUIRE(outcome.metrics.total_tokens < summed);
    REQUIRE(outcome.metrics.critical_path_tokens == outcome.metrics.total_tokens);
}

TEST_CASE("A malformed plan fails its thread with the reason; the task is unsolved, nothing throws",
          "[planner][llmcompiler]") {
    struct Case {
        std::string plan;
        std::string reason;
    };
    const std::vector<Case> cases{
        {"1. calculator(\"2 + 2\")\n2. shell(\"ls\")\n3. join()", "unknown tool 'shell'"},
        {"1. calculator(\"$2\")\n2. calculator(\"1\")\n", "refers to $2"},
        {"1. calculator(\"1\")\n2. join()\n3. join()\n", "a second join()"},
        {"2. calculator(\"1\")\n1. calculator(\"1\")\n", "step ids must increase"},
        {"Sorry, I cannot plan this.", "no plan steps"},
    };
    for (const Case& c : cases) {
        INFO(c.plan);
        Harness h;
        int joiner_calls = 0;
        backends::ScriptedBackend backend([&](const backends::CompletionRequest& r, std::size_t) {
            if (is_planner(r)) return backends::ScriptedReply{c.plan, 0us, std::nullopt};
            ++joiner_calls;
            return backends::ScriptedReply{"Action: Finish(4)", 0us, std::nullopt};
        });
        planner::TaskOutcome outcome = h.solve(backend, planner::StrategyOptions{});
        REQUIRE(outcome.status == store::TaskStatus::unsolved);
        REQUIRE_THAT(outcome.error, Catch::Contains("malformed plan") && Catch::Contains(c.reason));
        REQUIRE(outcome.candidates.empty());
        REQUIRE(joiner_calls == 0);
        REQUIRE(h.node("t/q-1/r0").status == store::NodeStatus::failed);
        auto events = h.db->events(h.run);
        bool recorded = false;
        for (const auto& e : events)
            if (e.node == h.node("t/q-1/r0").id && e.type == "node_failed")
                recorded = e.payload_json.find(c.reason) != std::string::npos;
        REQUIRE(recorded);
    }
}

TEST_CASE(
    "A joiner that replans with no replans left, or answers no action, leaves the task unsolved",
    "[planner][llmcompiler]") {
    for (std::string reply : {"Action: Replan(more)", "I think it is 4."}) {
        INFO(reply);
        Harness h;
        planner::StrategyOptions options;
        options.max_replans = 0;
        backends::ScriptedBackend backend([&](const backends::CompletionRequest& r, std::size_t) {
            if (is_planner(r))
                return backends::ScriptedReply{"1. calculator(\"2 + 2\")\n2. join()", 0us,
                                               std::nullopt};
            return backends::ScriptedReply{reply, 0us, std::nullopt};
        });
        planner::TaskOutcome outcome = h.solve(backend, options);
        REQUIRE(outcome.status == store::TaskStatus::unsolved);
        REQUIRE_THAT(outcome.error, Catch::Contains(reply[0] == 'A' ? "no replans left"
                                                                    : "neither Action: Finish"));
    }
}

TEST_CASE("make_strategy reports a bad --tools file or --workspace as invalid input",
          "[planner][llmcompiler]") {
    test::TempDir dir;
    planner::StrategyOptions options;
    options.tools_path = write_tools(dir, {{"tools", {{{"name", "x"}}}}});
    auto bad_tools = planner::make_strategy("llmcompiler", options);
    REQUIRE_FALSE(bad_tools.has_value());
    REQUIRE_THAT(bad_tools.error().message, Catch::Contains("'command'"));
    planner::StrategyOptions no_ws;
    no_ws.workspace = dir / "missing";
    REQUIRE_THAT(planner::make_strategy("llmcompiler", no_ws).error().message,
                 Catch::Contains("--workspace"));
    REQUIRE(planner::selection_rule_of("llmcompiler").has_value());
}
