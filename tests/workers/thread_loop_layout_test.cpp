// workers::run_thread: the parallel layout a handler sets for the next call, the thread's token
// count handed to the handler, and calls chained by "depends" edges.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"
#include "workers/thread_loop.hpp"

using namespace braid;

namespace {

struct LoopFixture {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "loop.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    Ledger ledger;
    asio::io_context io;
    std::vector<backends::CompletionRequest> seen;

    // Replies "one two<STOP>" to the first call, "three<STOP>" to the second, "end" after.
    std::unique_ptr<backends::ScriptedBackend> backend() {
        return std::make_unique<backends::ScriptedBackend>(
            [this](const backends::CompletionRequest& r, std::size_t i) {
                seen.push_back(r);
                const char* texts[] = {"one two<STOP>", "three<STOP>", "end"};
                return backends::ScriptedReply{texts[std::min<std::size_t>(i, 2)], {}, {}};
            });
    }
    workers::ThreadSpec spec() {
        workers::ThreadSpec s;
        s.path = "t/th";
        s.node = rec.create_node(NodeId{0}, s.path, store::NodeKind::thread, "th");
        s.request.prompt = "P:";
        s.request.sampling.max_tokens = 50;
        s.triggers = {"<STOP>"};
        return s;
    }
};

}  // namespace

TEST_CASE(
    "A layout set by the handler goes with the next call only, and the handler sees the thread's "
    "tokens",
    "[workers]") {
    LoopFixture f;
    auto backend = f.backend();
    workers::RunServices services{f.rec, *backend, f.ledger, f.log, 0, ""};
    std::vector<std::int64_t> tokens_seen;
    workers::TriggerHandler handler =
        [&tokens_seen](workers::ThreadText& text,
                       const workers::CallEnd& end) -> asio::awaitable<workers::LoopDecision> {
        tokens_seen.push_back(end.thread_completion_tokens);
        if (end.trigger.empty()) co_return workers::LoopDecision::finish();
        if (tokens_seen.size() == 1) {
            text.text += "|a|b|";
            text.layout = backends::ParallelLayout{2, {5, 2}};  // "P:" + "one two" + "|a|b|"
        }
        co_return workers::LoopDecision::proceed();
    };
    auto result = async::run_sync(f.io, workers::run_thread(services, f.spec(), handler));
    REQUIRE(result.has_value());
    REQUIRE(result->status == workers::ThreadStatus::finished);
    REQUIRE(f.seen.size() == 3);
    REQUIRE_FALSE(f.seen[0].layout.has_value());
    REQUIRE(f.seen[1].prompt == "P:one two|a|b|");
    REQUIRE(f.seen[1].layout == backends::ParallelLayout{2, {5, 2}});
    REQUIRE_FALSE(f.seen[2].layout.has_value());
    REQUIRE_FALSE(result->context.layout.has_value());
    REQUIRE(tokens_seen == std::vector<std::int64_t>{2, 3, 4});  // estimated: one, two, three, end

    f.db->flush_sync();
    int depends = 0;
    for (const auto& e : f.db->edges(f.run)) depends += e.kind == store::EdgeKind::depends;
    REQUIRE(depends == 2);  // c0 → c1 → c2
}

TEST_CASE("A layout that does not fit the context fails the thread with the reason", "[workers]") {
    LoopFixture f;
    auto backend = f.backend();
    workers::RunServices services{f.rec, *backend, f.ledger, f.log, 0, ""};
    workers::TriggerHandler handler =
        [](workers::ThreadText& text,
           const workers::CallEnd&) -> asio::awaitable<workers::LoopDecision> {
        text.layout = backends::ParallelLayout{2, {500, 1}};
        co_return workers::LoopDecision::proceed();
    };
    workers::ThreadSpec spec = f.spec();
    NodeId node = spec.node;
    auto result = async::run_sync(f.io, workers::run_thread(services, std::move(spec), handler));
    REQUIRE(result.has_value());
    REQUIRE(result->status == workers::ThreadStatus::failed);
    REQUIRE(result->reason.find("layout does not fit") != std::string::npos);
    REQUIRE(f.seen.size() == 1);
    REQUIRE(f.rec.node(node)->status == store::NodeStatus::failed);
}
