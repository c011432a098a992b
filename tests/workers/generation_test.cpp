#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"
#include "workers/generation.hpp"

using namespace braid;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    test::TempDir dir;
    std::unique_ptr<store::Store> db = store::Store::open(dir / "w.db");
    RunId run = db->create_run(store::RunRecord{});
    store::RunRecorder rec{*db, run};
    Logger log{LogLevel::off};
    asio::io_context io;

    workers::GenerationStep step(NodeId node, std::string prompt, std::int64_t max_tokens = 100) {
        workers::GenerationStep s;
        s.node = node;
        s.request.prompt = std::move(prompt);
        s.request.sampling.max_tokens = max_tokens;
        return s;
    }
    std::vector<std::string> event_types(NodeId node) {
        db->flush_sync();
        std::vector<std::string> out;
        for (const auto& e : db->events(run))
            if (e.node == node) out.push_back(e.type);
        return out;
    }
};

}  // namespace

TEST_CASE("generate records the node's life as events and charges actual usage", "[workers]") {
    Fixture f;
    auto backend = backends::ScriptedBackend::instant("line one\nline two\n");
    Ledger ledger;
    workers::RunServices s{f.rec, *backend, ledger, f.log, 0, "m"};
    NodeId node = f.rec.create_node(NodeId{0}, "n", store::NodeKind::sample, "n");
    auto r = async::run_sync(f.io, workers::generate(s, f.step(node, "hello")));
    REQUIRE(r.has_value());
    REQUIRE(r->text == "line one\nline two\n");
    REQUIRE(f.event_types(node) == std::vector<std::string>{"node_created", "node_running", "tokens", "node_finished"});
    REQUIRE(ledger.spent(ledger.root())[BudgetUnit::tokens] == static_cast<double>(r->usage.total_tokens()));
    REQUIRE(ledger.held(ledger.root())[BudgetUnit::tokens] == 0);
    REQUIRE(f.rec.node(node)->status == store::NodeStatus::finished);
    REQUIRE(f.rec.node(node)->backend == "scripted");
}

TEST_CASE("generate refuses to start a node that would overdraw its budget", "[workers]") {
    Fixture f;
    auto backend = backends::ScriptedBackend::instant("x");
    Amount limit = Amount::unlimited();
    limit[BudgetUnit::tokens] = 50;
    Ledger ledger(limit);
    workers::RunServices s{f.rec, *backend, ledger, f.log, 0, ""};
    NodeId node = f.rec.create_node(NodeId{0}, "n", store::NodeKind::sample, "n");
    auto r = async::run_sync(f.io, workers::generate(s, f.step(node, "hi", 100)));
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().code == ErrorCode::budget_exhausted);
    REQUIRE(backend->calls() == 0);
    REQUIRE(f.rec.node(node)->status == store::NodeStatus::skipped);
}

TEST_CASE("generate records a backend failure and releases the reservation", "[workers]") {
    Fixture f;
    backends::ScriptedReply failing;
    failing.failure = make_error(ErrorCode::backend, "HTTP 500", true);
    auto backend = backends::ScriptedBackend::canned({failing});
    Ledger ledger;
    workers::RunServices s{f.rec, *backend, ledger, f.log, 0, ""};
    NodeId node = f.rec.create_node(NodeId{0}, "n", store::NodeKind::sample, "n");
    auto r = async::run_sync(f.io, workers::generate(s, f.step(node, "hi")));
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().retryable);
    REQUIRE(f.rec.node(node)->status == store::NodeStatus::failed);
    REQUIRE(ledger.held(ledger.root())[BudgetUnit::tokens] == 0);
    REQUIRE(ledger.spent(ledger.root())[BudgetUnit::tokens] == 0);
}

TEST_CASE("A cancelled generation stops its stream and is recorded as cancelled", "[workers]") {
    Fixture f;
    backends::ScriptedReply slow{"a\nb\nc\nd\n", 1h, {}};
    backends::ScriptedReply fast{"done\n", 0us, {}};
    auto backend = std::make_unique<backends::ScriptedBackend>(
        [&](const backends::CompletionRequest& r, std::size_t) { return r.prompt == "slow" ? slow : fast; });
    Ledger ledger;
    workers::RunServices s{f.rec, *backend, ledger, f.log, 0, ""};
    NodeId a = f.rec.create_node(NodeId{0}, "a", store::NodeKind::sample, "a");
    NodeId b = f.rec.create_node(NodeId{0}, "b", store::NodeKind::sample, "b");
    std::vector<asio::awaitable<Result<backends::Completion>>> racers;
    racers.push_back(workers::generate(s, f.step(a, "slow")));
    racers.push_back(workers::generate(s, f.step(b, "fast")));
    auto outcome = async::run_sync(
        f.io, async::first_of(std::move(racers), [](const Result<backends::Completion>& r) { return r.has_value(); }));
    REQUIRE(outcome.winner == 1u);
    REQUIRE(outcome.values[0]->error().code == ErrorCode::cancelled);
    REQUIRE(f.rec.node(a)->status == store::NodeStatus::cancelled);
    REQUIRE(f.rec.node(b)->status == store::NodeStatus::finished);
    REQUIRE(ledger.held(ledger.root())[BudgetUnit::tokens] == 0);
}

TEST_CASE("Node seeds derive from the run seed and path, stably", "[workers]") {
    REQUIRE(workers::node_seed(1, "t/a/s0") == workers::node_seed(1, "t/a/s0"));
    REQUIRE(workers::node_seed(1, "t/a/s0") != workers::node_seed(2, "t/a/s0"));
    REQUIRE(workers::node_seed(1, "t/a/s0") != workers::node_seed(1, "t/a/s1"));
}

TEST_CASE("Costs come from the price table: cached prompt tokens at the cached price, worst case uncached",
          "[workers]") {
    Fixture f;
    auto backend = backends::ScriptedBackend::instant("x");
    Ledger ledger;
    workers::RunServices s{f.rec, *backend, ledger, f.log, 0, "m"};
    s.prices.set("m", ModelPrice{1.0, 2.0, 0.5});
    backends::CompletionRequest request;
    request.prompt = "hello world";  // 2 estimated tokens
    request.sampling.max_tokens = 100;
    REQUIRE(workers::worst_case(s, request)[BudgetUnit::usd] == Approx((2 * 1.0 + 100 * 2.0) / 1e6));
    Usage usage{1000, 500, 400};
    REQUIRE(workers::actual_cost(s, request, usage)[BudgetUnit::usd] == Approx((600 * 1.0 + 400 * 0.5 + 500 * 2.0) / 1e6));
    request.model = "unpriced";
    REQUIRE(workers::actual_cost(s, request, usage)[BudgetUnit::usd] == 0.0);
}

TEST_CASE("Costs carry Kinetics flops and bytes when the run knows its model's architecture", "[workers]") {
    Fixture f;
    auto backend = backends::ScriptedBackend::instant("x");
    Ledger ledger;
    workers::RunServices s{f.rec, *backend, ledger, f.log, 0, "m"};
    backends::CompletionRequest request;
    request.prompt = "hello world";  // 2 estimated tokens
    request.sampling.max_tokens = 100;
    Usage usage{1000, 500, 400};

    // No architecture: the flops and bytes units stay zero.
    REQUIRE(workers::worst_case(s, request)[BudgetUnit::flops] == 0.0);
    REQUIRE(workers::actual_cost(s, request, usage)[BudgetUnit::bytes] == 0.0);

    s.compute = KineticsModel{7e9, 32, 32, 8, 128};
    s.intensity = 100;
    KineticsCost worst = kinetics_cost(s.compute, 2, 100, 1);
    REQUIRE(workers::worst_case(s, request)[BudgetUnit::flops] == Approx(worst.compute + 100 * worst.memory));
    REQUIRE(workers::worst_case(s, request)[BudgetUnit::bytes] == Approx(worst.memory));
    // The actual call: 1000 prompt tokens, 500 generated. compute = 2·7e9·500 + 2·32·2500·500·4096
    // = 7.32768e12; memory = 2·32·(2000 + 500)·500·1024 = 8.192e10.
    Amount actual = workers::actual_cost(s, request, usage);
    REQUIRE(actual[BudgetUnit::flops] == Approx(7.32768e12 + 100 * 8.192e10));
    REQUIRE(actual[BudgetUnit::bytes] == Approx(8.192e10));
}
