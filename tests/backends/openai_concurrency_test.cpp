// Cancellation, the per-backend concurrency limit and 1,000 concurrent streams in one process.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/this_coro.hpp>

#include "backends/openai/openai_backend.hpp"
#include "core/async.hpp"
#include "tests/backends/fault_server.hpp"
#include "tests/backends/openai_fixtures.hpp"

using namespace braid;
using namespace braid::backends;
using namespace braid::backends::openai;
using namespace braid::backends::testing;
using namespace std::chrono_literals;
namespace async = braid::async;

namespace {

using Clock = std::chrono::steady_clock;

OpenAIOptions options_for(const FaultServer& server) {
    OpenAIOptions o;
    o.base_url = server.base_url();
    o.model = "m";
    o.retry.base_backoff = 5ms;
    return o;
}

CompletionRequest chat(std::string text) {
    CompletionRequest r;
    r.messages = {{Role::user, std::move(text)}};
    return r;
}

bool any_result(const Result<Completion>&) {
    return true;
}

asio::awaitable<void> cancel_mid_stream() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return hang_after(sse_reply({sse_event(chat_delta("partial"))}), 2);
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    std::string got;
    ChunkSink sink = [&got](std::string_view p) { got.append(p); };
    std::vector<asio::awaitable<Result<Completion>>> racers;
    racers.push_back(backend.complete(chat("hi"), sink));
    racers.push_back(after<Result<Completion>>(50ms, make_error(ErrorCode::timeout, "test timer")));
    auto start = Clock::now();
    auto outcome = co_await async::first_of(std::move(racers), any_result);
    CHECK(Clock::now() - start < 2s);
    REQUIRE(outcome.winner == 1u);
    REQUIRE(outcome.values[0].has_value());
    REQUIRE_FALSE(outcome.values[0]->has_value());
    CHECK(outcome.values[0]->error().code == ErrorCode::cancelled);
    CHECK(got == "partial");
    CHECK(http.active_transfers() == 0);
    CHECK(co_await server.wait_for_client_closes(1, 5s));
}

asio::awaitable<void> cancel_while_waiting_to_retry() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return json_reply(429, "{}", {"retry-after-ms: 30000"});
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    std::vector<asio::awaitable<Result<Completion>>> racers;
    racers.push_back(backend.complete(chat("hi"), {}));
    racers.push_back(after<Result<Completion>>(50ms, make_error(ErrorCode::timeout, "test timer")));
    auto start = Clock::now();
    auto outcome = co_await async::first_of(std::move(racers), any_result);
    CHECK(Clock::now() - start < 2s);
    REQUIRE(outcome.winner == 1u);
    CHECK(outcome.values[0]->error().code == ErrorCode::cancelled);
    CHECK(server.requests().size() == 1);
}

asio::awaitable<void> cancel_while_queued() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return hang_after(json_reply(200, "{}"), 0);
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIOptions o = options_for(server);
    o.max_concurrency = 1;
    OpenAIBackend backend(http, o);
    std::vector<asio::awaitable<Result<Completion>>> racers;
    racers.push_back(backend.complete(chat("first"), {}));
    racers.push_back(backend.complete(chat("queued"), {}));
    racers.push_back(after<Result<Completion>>(50ms, make_error(ErrorCode::timeout, "test timer")));
    auto outcome = co_await async::first_of(std::move(racers), any_result);
    REQUIRE(outcome.winner == 2u);
    CHECK(outcome.values[0]->error().code == ErrorCode::cancelled);
    CHECK(outcome.values[1]->error().code == ErrorCode::cancelled);
    CHECK(outcome.values[1]->error().message.find("concurrency slot") != std::string::npos);
    CHECK(backend.queued() == 0);
    CHECK(server.requests().size() == 1);  // the queued one never left
    CHECK(co_await server.wait_for_client_closes(1, 5s));
}

asio::awaitable<void> limit_queues_excess() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return paced(sse_reply(chat_stream_events({"a", "b", "c"}, 1, 3)), 5ms);
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIOptions o = options_for(server);
    o.max_concurrency = 3;
    OpenAIBackend backend(http, o);
    std::size_t peak_active = 0, peak_queued = 0;
    ChunkSink sink = [&](std::string_view) {
        peak_active = std::max(peak_active, http.active_transfers());
        peak_queued = std::max(peak_queued, backend.queued());
    };
    std::vector<asio::awaitable<Result<Completion>>> calls;
    for (int i = 0; i < 12; ++i) calls.push_back(backend.complete(chat("q"), sink));
    auto results = co_await async::when_all(std::move(calls));
    for (const auto& r : results) {
        REQUIRE(r.has_value());
        CHECK(r->text == "abc");
    }
    CHECK(peak_active == 3);
    CHECK(peak_queued > 0);
    CHECK(server.requests().size() == 12);
}

asio::awaitable<void> thousand_streams() {
    constexpr std::size_t streams = 1000;
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest& req, std::size_t) {
        std::string who = nlohmann::json::parse(req.body)["messages"][0]["content"];
        return sse_reply(chat_stream_events({"re:", who}, 2, 2));
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIOptions o = options_for(server);
    o.max_concurrency = streams;
    OpenAIBackend backend(http, o);
    std::size_t peak_active = 0;
    std::size_t chunks = 0;
    ChunkSink sink = [&](std::string_view) {
        ++chunks;
        peak_active = std::max(peak_active, http.active_transfers());
    };
    std::vector<asio::awaitable<Result<Completion>>> calls;
    for (std::size_t i = 0; i < streams; ++i)
        calls.push_back(backend.complete(chat("n" + std::to_string(i)), sink));
    auto results = co_await async::when_all(std::move(calls));
    Usage total;
    for (std::size_t i = 0; i < streams; ++i) {
        REQUIRE(results[i].has_value());
        REQUIRE(results[i]->text == "re:n" + std::to_string(i));
        total += results[i]->usage;
    }
    CHECK(total == Usage{2 * streams, 2 * streams, 0});
    CHECK(chunks == 2 * streams);
    CHECK(peak_active == streams);  // every stream was open at once
    CHECK(server.requests().size() == streams);
    CHECK(backend.stats().retries == 0);
}

}  // namespace

TEST_CASE("cancelling a completion mid-stream returns cancelled at once and closes the connection",
          "[backends][cancel]") {
    asio::io_context io;
    async::run_sync(io, cancel_mid_stream());
}

TEST_CASE("cancelling a completion while it waits to retry returns at once", "[backends][cancel]") {
    asio::io_context io;
    async::run_sync(io, cancel_while_waiting_to_retry());
}

TEST_CASE(
    "cancelling a completion queued behind the concurrency limit leaves the queue without a "
    "request",
    "[backends][cancel]") {
    asio::io_context io;
    async::run_sync(io, cancel_while_queued());
}

TEST_CASE("the per-backend concurrency limit queues the excess and every request completes",
          "[backends][concurrency]") {
    asio::io_context io;
    async::run_sync(io, limit_queues_excess());
}

TEST_CASE("1,000 concurrent streams complete in one process with exact usage",
          "[backends][concurrency]") {
    asio::io_context io;
    async::run_sync(io, thousand_streams());
}
