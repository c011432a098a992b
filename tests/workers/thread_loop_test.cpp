// workers::run_thread: a thread over several calls, with stop triggers handed to a handler.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"
#include "workers/thread_loop.hpp"

using namespace braid;
using namespace std::chrono_literals;

namespace {

struct LoopFixture {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "loop.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;
    std::vector<backends::CompletionRequest> requests;

    workers::ThreadSpec spec(std::string prompt, std::vector<std::string> triggers) {
        workers::ThreadSpec s;
        s.node = rec.create_node(NodeId{0}, "t/x/r0", store::NodeKind::thread, "thread");
        s.path = "t/x/r0";
        s.account = ledger.root();
        s.request.prompt = std::move(prompt);
        s.request.sampling.max_tokens = 100;
        s.request.sampling.stop = {"<eos>"};
        s.triggers = std::move(triggers);
        return s;
    }

    Result<workers::ThreadResult> run_loop(backends::Backend& backend, workers::ThreadSpec s,
                                           workers::TriggerHandler handler) {
        workers::RunServices services{rec, backend, ledger, log, 0, ""};
        auto result = async::run_sync(io, workers::run_thread(services, std::move(s), std::move(handler)));
        db->flush_sync();
        return result;
    }

    std::vector<nlohmann::json> events(std::string_view path, std::string_view type) {
        NodeId id;
        for (const auto& n : db->nodes(run))
            if (n.path == path) id = n.id;
        std::vector<nlohmann::json> out;
        for (const auto& e : db->events(run))
            if (e.node == id && e.type == type) out.push_back(nlohmann::json::parse(e.payload_json));
        return out;
    }
};

// A backend that answers call k with replies[k] and remembers each request.
backends::ScriptedBackend::Program in_order(LoopFixture& f, std::vector<std::string> replies) {
    return [&f, replies](const backends::CompletionRequest& r, std::size_t k) {
        f.requests.push_back(r);
        return backends::ScriptedReply{replies[std::min(k, replies.size() - 1)], {}, {}};
    };
}

}  // namespace

TEST_CASE("A trigger hands the context to the handler, which injects text and goes on", "[workers][loop]") {
    LoopFixture f;
    backends::ScriptedBackend backend(in_order(f, {"abc</Goal>ignored", "def<eos>", "unused"}));
    std::vector<workers::CallEnd> ends;
    workers::TriggerHandler handler = [&](workers::ThreadText& t, const workers::CallEnd& end)
        -> asio::awaitable<workers::LoopDecision> {
        ends.push_back(end);
        if (end.trigger == "</Goal>") {
            t.text += "</Goal>\n<Path>\n1:";
            co_return workers::LoopDecision::proceed();
        }
        co_return workers::LoopDecision::finish();
    };
    auto result = f.run_loop(backend, f.spec("P:", {"</Goal>", "</Path>"}), handler);
    REQUIRE(result.has_value());
    CHECK(result->status == workers::ThreadStatus::finished);
    CHECK(result->context.text == "P:abc</Goal>\n<Path>\n1:def");
    REQUIRE(ends.size() == 2);
    CHECK(ends[0].trigger == "</Goal>");
    CHECK(ends[0].completion == "abc");
    CHECK(ends[1].trigger.empty());  // the task's own stop string is not a trigger
    CHECK(ends[1].finish_reason == "stop");
    REQUIRE(f.requests.size() == 2);
    CHECK(f.requests[1].prompt == "P:abc</Goal>\n<Path>\n1:");
    CHECK(f.requests[0].sampling.stop == std::vector<std::string>{"<eos>", "</Goal>", "</Path>"});
    // One node per call under the thread, the second depending on the first.
    std::vector<std::string> calls;
    for (const auto& n : f.db->nodes(f.run))
        if (n.kind == store::NodeKind::call) calls.push_back(n.path);
    CHECK(calls == std::vector<std::string>{"t/x/r0/c0", "t/x/r0/c1"});
    auto edges = f.db->edges(f.run);
    REQUIRE(edges.size() == 1);
    CHECK(edges[0].kind == store::EdgeKind::depends);
    CHECK(f.events("t/x/r0", "node_finished").size() == 1);
}

TEST_CASE("The thread's token cap cuts each call and ends the thread", "[workers][loop]") {
    LoopFixture f;
    backends::ScriptedBackend backend(in_order(f, {"one two three four five six seven eight"}));
    workers::TriggerHandler always = [](workers::ThreadText&, const workers::CallEnd&)
        -> asio::awaitable<workers::LoopDecision> { co_return workers::LoopDecision::proceed(); };
    workers::ThreadSpec s = f.spec("P:", {});
    s.request.sampling.max_tokens = 5;
    s.max_thread_tokens = 12;
    auto result = f.run_loop(backend, s, always);
    REQUIRE(result.has_value());
    CHECK(result->status == workers::ThreadStatus::length);
    CHECK(result->usage.completion_tokens == 12);
    REQUIRE(f.requests.size() == 3);
    CHECK(f.requests[0].sampling.max_tokens == 5);
    CHECK(f.requests[1].sampling.max_tokens == 5);
    CHECK(f.requests[2].sampling.max_tokens == 2);
    // The second call re-sent the first call's context: only its new part counts once.
    CHECK(result->calls[1].new_prompt_tokens < result->calls[1].prompt_tokens);
    CHECK(result->unique_tokens() < result->usage.total_tokens());
}

TEST_CASE("max_calls and a failing handler fail the thread with the reason recorded", "[workers][loop]") {
    LoopFixture f;
    backends::ScriptedBackend backend(in_order(f, {"x"}));
    SECTION("a handler that never finishes") {
        workers::TriggerHandler always = [](workers::ThreadText&, const workers::CallEnd&)
            -> asio::awaitable<workers::LoopDecision> { co_return workers::LoopDecision::proceed(); };
        workers::ThreadSpec s = f.spec("P:", {});
        s.max_calls = 3;
        auto result = f.run_loop(backend, s, always);
        REQUIRE(result.has_value());
        CHECK(result->status == workers::ThreadStatus::failed);
        CHECK(f.requests.size() == 3);
        auto failed = f.events("t/x/r0", "node_failed");
        REQUIRE(failed.size() == 1);
        CHECK(failed[0]["reason"] == "more than 3 calls");
    }
    SECTION("a handler that rejects the output") {
        workers::TriggerHandler reject = [](workers::ThreadText&, const workers::CallEnd&)
            -> asio::awaitable<workers::LoopDecision> { co_return workers::LoopDecision::fail("unbalanced tags"); };
        auto result = f.run_loop(backend, f.spec("P:", {}), reject);
        REQUIRE(result.has_value());
        CHECK(result->status == workers::ThreadStatus::failed);
        CHECK(result->reason == "unbalanced tags");
        CHECK(f.events("t/x/r0", "node_failed")[0]["reason"] == "unbalanced tags");
    }
}

TEST_CASE("A budget refusal ends the thread as budget_exhausted", "[workers][loop]") {
    LoopFixture f;
    backends::ScriptedBackend backend(in_order(f, {"x"}));
    workers::TriggerHandler finish = [](workers::ThreadText&, const workers::CallEnd&)
        -> asio::awaitable<workers::LoopDecision> { co_return workers::LoopDecision::finish(); };
    workers::ThreadSpec s = f.spec("P:", {});
    s.account = f.ledger.open(f.ledger.root(), "tight", parse_budget("tokens=10").value());
    auto result = f.run_loop(backend, s, finish);
    REQUIRE(result.has_value());
    CHECK(result->status == workers::ThreadStatus::budget_exhausted);
    CHECK(f.requests.empty());
    CHECK(result->calls.empty());
}

TEST_CASE("Cancelling a thread cancels its call in flight", "[workers][loop]") {
    LoopFixture f;
    std::string slow;
    for (int i = 0; i < 200; ++i) slow += "line\n";
    backends::ScriptedBackend backend([&](const backends::CompletionRequest&, std::size_t) {
        return backends::ScriptedReply{slow, 2ms, {}};
    });
    workers::TriggerHandler finish = [](workers::ThreadText&, const workers::CallEnd&)
        -> asio::awaitable<workers::LoopDecision> { co_return workers::LoopDecision::finish(); };
    workers::RunServices services{f.rec, backend, f.ledger, f.log, 0, ""};
    using R = Result<workers::ThreadResult>;
    std::vector<asio::awaitable<R>> racers;
    racers.push_back(workers::run_thread(services, f.spec("P:", {}), finish));
    racers.push_back([]() -> asio::awaitable<R> { co_return workers::ThreadResult{}; }());
    auto outcome = async::run_sync(f.io, async::first_of(std::move(racers), [](const R&) { return true; }));
    f.db->flush_sync();
    REQUIRE(outcome.winner == 1u);
    REQUIRE(outcome.values[0].has_value());
    REQUIRE_FALSE(outcome.values[0]->has_value());
    CHECK(outcome.values[0]->error().code == ErrorCode::cancelled);
    CHECK(f.events("t/x/r0", "node_cancelled").size() == 1);
}
