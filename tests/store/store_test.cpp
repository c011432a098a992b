#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>

#include "core/async.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"
#include "tests/support/temp_dir.hpp"

using braid::ErrorCode;
using braid::FatalError;
using braid::NodeId;
using braid::RunId;
using braid::Usage;
using namespace braid::store;
using braid::test::TempDir;

namespace {

EventRecord make_event(RunId run, std::int64_t seq) {
    return EventRecord{run,        seq,    NodeId{seq % 7},
                       1000 + seq, "tick", R"({"i":)" + std::to_string(seq) + "}"};
}

RunId new_run(Store& store) {
    RunRecord run;
    run.started_ms = 123;
    run.command = "braid solve x.jsonl";
    return store.create_run(run);
}

}  // namespace

TEST_CASE("runs are created with sequential ids and updated in place", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    const RunId first = new_run(*store);
    const RunId second = new_run(*store);
    CHECK(first.value == 1);
    CHECK(second.value == 2);

    RunRecord done = *store->run(first);
    done.status = RunStatus::finished;
    done.finished_ms = 999;
    done.spent_json = R"({"usd":0.5})";
    store->update_run(done);
    store->flush_sync();
    CHECK(store->run(first) == done);
    CHECK(store->runs().size() == 2);
    CHECK_FALSE(store->run(RunId{42}).has_value());
}

TEST_CASE("events are read back in order with their payloads", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    const RunId run = new_run(*store);
    CHECK(store->max_event_seq(run) == 0);
    for (std::int64_t seq = 1; seq <= 50; ++seq) store->append_event(make_event(run, seq));
    store->flush_sync();

    auto events = store->events(run);
    REQUIRE(events.size() == 50);
    for (std::int64_t seq = 1; seq <= 50; ++seq) CHECK(events[seq - 1] == make_event(run, seq));
    CHECK(store->max_event_seq(run) == 50);

    auto page = store->events(run, 10, 5);
    REQUIRE(page.size() == 5);
    CHECK(page.front().seq == 11);
    CHECK(page.back().seq == 15);
    CHECK(store->events(RunId{99}).empty());
}

TEST_CASE("10,000 events in batches are all committed by flush_sync", "[store]") {
    TempDir dir;
    StoreOptions options;
    options.max_batch_ops = 512;  // several transactions per drained queue
    auto store = Store::open(dir.file("s.db"), options);
    const RunId run = new_run(*store);
    constexpr std::int64_t kCount = 10'000;
    for (std::int64_t seq = 1; seq <= kCount; ++seq) store->append_event(make_event(run, seq));
    const auto committed = store->flush_sync();
    CHECK(committed >= static_cast<std::uint64_t>(kCount));
    CHECK(store->max_event_seq(run) == kCount);
    auto events = store->events(run);
    REQUIRE(events.size() == static_cast<std::size_t>(kCount));
    for (std::size_t i = 0; i < events.size(); ++i)
        REQUIRE(events[i].seq == static_cast<std::int64_t>(i) + 1);
}

TEST_CASE("producers on many threads wait for room in a full queue and lose nothing", "[store]") {
    TempDir dir;
    StoreOptions options;
    options.max_batch_ops = 3;
    options.max_queued_ops = 8;
    auto store = Store::open(dir.file("s.db"), options);
    const RunId run = new_run(*store);
    constexpr std::int64_t kThreads = 4;
    constexpr std::int64_t kPerThread = 2'000;
    std::vector<std::thread> producers;
    for (std::int64_t t = 0; t < kThreads; ++t) {
        producers.emplace_back([&store, run, t] {
            for (std::int64_t i = 1; i <= kPerThread; ++i)
                store->append_event(make_event(run, t * kPerThread + i));
        });
    }
    for (auto& producer : producers) producer.join();
    store->flush_sync();
    auto events = store->events(run);
    REQUIRE(events.size() == static_cast<std::size_t>(kThreads * kPerThread));
    for (std::size_t i = 0; i < events.size(); ++i)
        REQUIRE(events[i] == make_event(run, static_cast<std::int64_t>(i) + 1));
}

TEST_CASE("the destructor commits everything still queued", "[store]") {
    TempDir dir;
    RunId run;
    {
        auto store = Store::open(dir.file("s.db"));
        run = new_run(*store);
        for (std::int64_t seq = 1; seq <= 3000; ++seq) store->append_event(make_event(run, seq));
    }
    auto store = Store::open(dir.file("s.db"));
    CHECK(store->max_event_seq(run) == 3000);
}

TEST_CASE("many coroutines awaiting flush each see their own event committed", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    const RunId run = new_run(*store);
    asio::io_context io;
    constexpr int kCoroutines = 1000;
    const auto io_thread = std::this_thread::get_id();  // run_sync drives io here

    auto append_and_flush = [](Store* s, RunId r, std::int64_t seq,
                               std::thread::id home) -> asio::awaitable<int> {
        s->append_event(make_event(r, seq));
        co_await s->flush();
        auto mine = s->events(r, seq - 1, 1);
        const bool seen = mine.size() == 1 && mine[0] == make_event(r, seq);
        co_return seen&& std::this_thread::get_id() == home ? 1 : 0;
    };
    std::vector<asio::awaitable<int>> children;
    for (int i = 1; i <= kCoroutines; ++i)
        children.push_back(append_and_flush(store.get(), run, i, io_thread));
    auto seen = braid::async::run_sync(io, braid::async::when_all(std::move(children)));
    int total = 0;
    for (int ok : seen) total += ok;
    CHECK(total == kCoroutines);
    CHECK(store->max_event_seq(run) == kCoroutines);
}

TEST_CASE("flush with nothing pending completes on the caller's executor", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    asio::io_context io;
    auto flushed = braid::async::run_sync(io, [](Store* s) -> asio::awaitable<std::thread::id> {
        co_await s->flush();
        co_await s->flush();
        co_return std::this_thread::get_id();
    }(store.get()));
    CHECK(flushed == std::this_thread::get_id());
}

TEST_CASE("completions are stored by hash and the first one wins", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    CompletionRecord first{
        "abc123", R"({"prompt":"2+2"})", "4", "stop", "</answer>", Usage{10, 1, 4}, 12.5, "openai",
        "m",      77};
    CompletionRecord second = first;
    second.text = "five";
    store->put_completion(first);
    store->put_completion(second);
    store->flush_sync();
    CHECK(store->completion("abc123") == first);
    CHECK_FALSE(store->completion("nope").has_value());
    CHECK(store->count_completions() == 1);
}

TEST_CASE("nodes, edges, candidates, verdicts and tasks round-trip and upsert", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    const RunId run = new_run(*store);

    NodeRecord node{run, NodeId{1}, NodeId{0}, "t/a", NodeKind::thread, "A", NodeStatus::created,
                    "",  "",        0,         0,     Usage{},          0};
    store->upsert_node(node);
    node.status = NodeStatus::finished;
    node.usage = Usage{100, 20, 50};
    node.cost_usd = 0.25;
    store->upsert_node(node);
    EdgeRecord edge{run, NodeId{1}, NodeId{2}, EdgeKind::spawn};
    store->add_edge(edge);
    store->add_edge(edge);  // duplicate: kept once
    CandidateRecord candidate{run, NodeId{1}, "cd-1", "(1+2)*3", "9"};
    store->put_candidate(candidate);
    VerdictRecord verdict{run, NodeId{1}, "cd-1", "oracle", 0.5, 0.0, "{}"};
    store->put_verdict(verdict);
    verdict.score = 1.0;
    store->put_verdict(verdict);
    TaskRecord second_task{run, "cd-2", "countdown", "{}", std::nullopt, "", NodeId{0}};
    TaskRecord first_task{run,          "cd-1", "countdown", R"({"n":[1,2,3]})",
                          std::nullopt, "",     NodeId{0}};
    store->put_task(second_task);
    store->put_task(first_task);
    second_task.outcome = TaskStatus::solved;
    second_task.answer = "9";
    second_task.selected_node = NodeId{1};
    store->put_task(second_task);
    store->flush_sync();

    CHECK(store->nodes(run) == std::vector<NodeRecord>{node});
    CHECK(store->edges(run) == std::vector<EdgeRecord>{edge});
    CHECK(store->candidates(run) == std::vector<CandidateRecord>{candidate});
    CHECK(store->verdicts(run) == std::vector<VerdictRecord>{verdict});
    CHECK(store->tasks(run) == std::vector<TaskRecord>{second_task, first_task});
}

TEST_CASE("a failed write makes every later flush throw and drops later writes", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    const RunId run = new_run(*store);
    store->append_event(make_event(run, 1));
    store->flush_sync();
    store->append_event(make_event(run, 2));
    store->append_event(make_event(run, 1));  // duplicate (run, seq): the batch fails
    CHECK_THROWS_WITH(store->flush_sync(), Catch::Contains("event 1 of run 1") &&
                                               Catch::Contains("UNIQUE") &&
                                               Catch::Contains(dir.file("s.db")));
    store->append_event(make_event(run, 3));
    CHECK_THROWS_AS(store->flush_sync(), FatalError);
    CHECK_THROWS_AS(store->create_run(RunRecord{}), FatalError);
    asio::io_context io;
    CHECK_THROWS_AS(braid::async::run_sync(io, store->flush()), FatalError);
    // Event 2 shared the failed batch or committed just before it; event 3 was dropped.
    CHECK(store->max_event_seq(run) <= 2);
}

TEST_CASE("a write to a run that does not exist fails the store", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    store->append_event(make_event(RunId{5}, 1));
    CHECK_THROWS_WITH(store->flush_sync(), Catch::Contains("FOREIGN KEY"));
}

TEST_CASE("a write lock held past the busy timeout fails the store as retryable", "[store]") {
    TempDir dir;
    const std::string path = dir.file("s.db");
    StoreOptions options;
    options.busy_timeout_ms = 20;
    auto store = Store::open(path, options);
    const RunId run = new_run(*store);
    auto other = SqliteDb::open(path, OpenMode::read_write);
    REQUIRE(other.has_value());
    REQUIRE(other->exec("BEGIN IMMEDIATE").has_value());
    store->append_event(make_event(run, 1));
    try {
        store->flush_sync();
        FAIL("flush_sync succeeded while another connection held the write lock");
    } catch (const FatalError& error) {
        CHECK(error.error().retryable);
        CHECK_THAT(error.what(), Catch::Contains("locked") && Catch::Contains("write transaction"));
    }
    REQUIRE(other->exec("ROLLBACK").has_value());
}

TEST_CASE("a failed write reaches the coroutines awaiting flush", "[store]") {
    TempDir dir;
    auto store = Store::open(dir.file("s.db"));
    const RunId run = new_run(*store);
    asio::io_context io;
    auto failing = [](Store* s, RunId r) -> asio::awaitable<std::string> {
        s->append_event(make_event(r, 1));
        s->append_event(make_event(r, 1));
        try {
            co_await s->flush();
        } catch (const FatalError& error) {
            co_return error.what();
        }
        co_return "no error";
    };
    CHECK_THAT(braid::async::run_sync(io, failing(store.get(), run)), Catch::Contains("UNIQUE"));
}

TEST_CASE("a failing read throws a FatalError naming what was read", "[store]") {
    TempDir dir;
    const std::string path = dir.file("s.db");
    auto store = Store::open(path);
    const RunId run = new_run(*store);
    {
        // Another process damages the schema under the open store.
        auto other = SqliteDb::open(path, OpenMode::read_write);
        REQUIRE(other.has_value());
        REQUIRE(other->exec("DROP TABLE verdicts").has_value());
    }
    CHECK_THROWS_WITH(store->verdicts(run), Catch::Contains("reading verdicts") &&
                                                Catch::Contains(path) &&
                                                Catch::Contains("no such table"));
    CHECK(store->runs().size() == 1);  // other reads still work
}
