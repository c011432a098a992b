#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/this_coro.hpp>

#include "backends/openai/curl_multi_asio.hpp"
#include "core/async.hpp"
#include "tests/backends/fault_server.hpp"
#include "tests/backends/openai_fixtures.hpp"

using namespace braid;
using namespace braid::backends::openai;
using namespace braid::backends::testing;
using namespace std::chrono_literals;
namespace async = braid::async;

namespace {

HttpRequest post(const FaultServer& server, std::string body) {
    HttpRequest r;
    r.url = server.base_url() + "/chat/completions";
    r.headers = {"Content-Type: application/json"};
    r.body = std::move(body);
    return r;
}

asio::awaitable<void> post_and_collect() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest& req, std::size_t) {
        return json_reply(200, "{\"echo\":" + std::to_string(req.body.size()) + "}",
                          {"X-Request-Id: r1"});
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    std::string body;
    BodySink sink = [&body](const HttpHead&, std::string_view bytes) {
        body.append(bytes);
        return true;
    };
    std::string big(100'000,
                    'x');  // large enough that curl would otherwise send Expect: 100-continue
    auto r = co_await http.perform(post(server, big), sink);
    REQUIRE(r.has_value());
    CHECK(r->head.status == 200);
    REQUIRE(r->head.find("x-request-id") != nullptr);
    CHECK(*r->head.find("x-request-id") == "r1");
    CHECK(body == "{\"echo\":100000}");
    REQUIRE(server.requests().size() == 1);
    CHECK(server.requests()[0].method == "POST");
    CHECK(server.requests()[0].path == "/v1/chat/completions");
    CHECK(server.requests()[0].header("expect") == nullptr);

    // Keep-alive: the next request rides the same connection.
    body.clear();
    auto again = co_await http.perform(post(server, "{}"), sink);
    REQUIRE(again.has_value());
    CHECK(server.connections_accepted() == 1);
    CHECK(http.active_transfers() == 0);
}

asio::awaitable<void> error_status_body() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return json_reply(429, R"({"error":{"message":"slow down"}})", {"Retry-After-Ms: 5"});
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    bool sink_called = false;
    BodySink sink = [&sink_called](const HttpHead&, std::string_view) {
        return sink_called = true;
    };
    auto r = co_await http.perform(post(server, "{}"), sink);
    REQUIRE(r.has_value());
    CHECK(r->head.status == 429);
    CHECK(r->error_body == R"({"error":{"message":"slow down"}})");
    CHECK(*r->head.find("retry-after-ms") == "5");
    CHECK_FALSE(sink_called);
}

asio::awaitable<void> refused_connection() {
    auto ex = co_await asio::this_coro::executor;
    std::string url;
    {
        FaultServer closed(
            ex, [](const RecordedRequest&, std::size_t) { return json_reply(200, "{}"); });
        url = closed.base_url() + "/models";
        closed.stop();
    }
    CurlMultiAsio http(ex);
    HttpRequest req;
    req.method = "GET";
    req.url = url;
    auto r = co_await http.perform(req, {});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::backend);
    CHECK(r.error().retryable);
    CHECK(r.error().message.find("GET http://127.0.0.1:") == 0);
}

asio::awaitable<void> cancel_closes_connection() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return hang_after(sse_reply({sse_event(chat_delta("first"))}),
                          2);  // head + one chunk, then silence
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    std::string got;
    BodySink sink = [&got](const HttpHead&, std::string_view bytes) {
        got.append(bytes);
        return true;
    };
    std::vector<asio::awaitable<Result<HttpResponse>>> racers;
    racers.push_back(http.perform(post(server, "{}"), sink));
    racers.push_back(
        after<Result<HttpResponse>>(50ms, make_error(ErrorCode::timeout, "test timer")));
    auto start = std::chrono::steady_clock::now();
    auto outcome = co_await async::first_of(std::move(racers),
                                            [](const Result<HttpResponse>&) { return true; });
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(outcome.winner == 1u);
    REQUIRE(outcome.values[0].has_value());
    REQUIRE_FALSE(outcome.values[0]->has_value());
    CHECK(outcome.values[0]->error().code == ErrorCode::cancelled);
    CHECK(took < 2s);
    CHECK(http.active_transfers() == 0);
    CHECK(got.find("first") != std::string::npos);
    CHECK(co_await server.wait_for_client_closes(1, 5s));
}

asio::awaitable<void> first_byte_and_idle_timeouts() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t index) {
        if (index == 0) return hang_after(json_reply(200, "{}"), 0);  // nothing at all
        return hang_after(sse_reply({sse_event(chat_delta("a")), sse_event(chat_delta("b"))}),
                          2);  // stalls mid-stream
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    HttpRequest req = post(server, "{}");
    req.first_byte_timeout = 100ms;
    req.idle_timeout = 100ms;
    auto silent = co_await http.perform(req, {});
    REQUIRE_FALSE(silent.has_value());
    CHECK(silent.error().code == ErrorCode::timeout);
    CHECK(silent.error().retryable);
    CHECK(silent.error().message.find("first-byte") != std::string::npos);

    auto stalled = co_await http.perform(req, {});
    REQUIRE_FALSE(stalled.has_value());
    CHECK(stalled.error().code == ErrorCode::timeout);
    CHECK(stalled.error().message.find("idle") != std::string::npos);
    CHECK(co_await server.wait_for_client_closes(2, 5s));
}

asio::awaitable<void> total_timeout() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return paced(sse_reply({sse_event(chat_delta("a")), sse_event(chat_delta("b")),
                                sse_event(chat_delta("c")), sse_event(chat_delta("d"))}),
                     60ms);
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    HttpRequest req = post(server, "{}");
    req.idle_timeout = 1000ms;  // data keeps flowing, so only the total deadline can end it
    req.total_timeout = 150ms;
    auto r = co_await http.perform(req, {});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::timeout);
    CHECK(r.error().retryable);
}

asio::awaitable<void> sink_exception() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex,
                       [](const RecordedRequest&, std::size_t) { return json_reply(200, "{}"); });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    BodySink sink = [](const HttpHead&, std::string_view) -> bool {
        throw std::runtime_error("consumer broke");
    };
    CHECK_THROWS_WITH(co_await http.perform(post(server, "{}"), sink), "consumer broke");
    CHECK(http.active_transfers() == 0);
}

}  // namespace

TEST_CASE("curl multi on asio posts a body and returns status, headers and the streamed body",
          "[backends][http]") {
    asio::io_context io;
    async::run_sync(io, post_and_collect());
}

TEST_CASE("curl multi on asio collects a non-2xx body instead of streaming it",
          "[backends][http]") {
    asio::io_context io;
    async::run_sync(io, error_status_body());
}

TEST_CASE("a refused connection is a retryable backend error naming method and URL",
          "[backends][http]") {
    asio::io_context io;
    async::run_sync(io, refused_connection());
}

TEST_CASE(
    "cancelling a transfer returns cancelled at once and the server sees the connection close",
    "[backends][http]") {
    asio::io_context io;
    async::run_sync(io, cancel_closes_connection());
}

TEST_CASE("first-byte and idle-stream deadlines end stalled transfers with retryable timeouts",
          "[backends][http]") {
    asio::io_context io;
    async::run_sync(io, first_byte_and_idle_timeouts());
}

TEST_CASE("the total deadline ends a transfer that keeps trickling data", "[backends][http]") {
    asio::io_context io;
    async::run_sync(io, total_timeout());
}

TEST_CASE("an exception thrown by the body sink aborts the transfer and reaches the caller",
          "[backends][http]") {
    asio::io_context io;
    async::run_sync(io, sink_exception());
}

TEST_CASE("destroying the client, then the io_context, with a transfer in flight is clean", "[backends][http]") {
    // Run under ASan to see the point: no leak, no use-after-free, whatever the teardown order.
    auto io = std::make_unique<asio::io_context>();
    auto server = std::make_unique<FaultServer>(io->get_executor(), [](const RecordedRequest&, std::size_t) {
        return hang_after(json_reply(200, "{}"), 0);
    });
    auto http = std::make_unique<CurlMultiAsio>(io->get_executor());
    auto ended = std::make_shared<std::optional<Result<HttpResponse>>>();
    auto transfer = [](CurlMultiAsio& client, std::string url,
                       std::shared_ptr<std::optional<Result<HttpResponse>>> out) -> asio::awaitable<void> {
        HttpRequest req;
        req.url = std::move(url);
        out->emplace(co_await client.perform(std::move(req), {}));
    };
    asio::co_spawn(*io, transfer(*http, server->base_url() + "/x", ended), asio::detached);
    while (server->requests().empty()) io->run_one();
    CHECK(http->active_transfers() == 1);
    http.reset();  // ends the transfer; its frame resumes with an error
    while (!ended->has_value()) io->run_one();
    REQUIRE_FALSE((*ended)->has_value());
    CHECK((*ended)->error().message.find("shut down") != std::string::npos);

    // A second transfer left suspended when the io_context itself goes away.
    auto http2 = std::make_unique<CurlMultiAsio>(io->get_executor());
    auto never = std::make_shared<std::optional<Result<HttpResponse>>>();
    asio::co_spawn(*io, transfer(*http2, server->base_url() + "/y", never), asio::detached);
    while (server->requests().size() < 2) io->run_one();
    server->stop();
    http2.reset();
    server.reset();
    io.reset();  // destroys the suspended frame
    CHECK_FALSE(never->has_value());
}
