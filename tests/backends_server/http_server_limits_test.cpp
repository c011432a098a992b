// braid serve under abuse: malformed and oversized requests, limits, stalls, disconnects,
// backend failures and shutdown. Real loopback sockets; synchronisation by reading the socket or
// waiting on the recording backend, never by sleeping.

#include <cstdio>

#include <catch2/catch.hpp>

#include <chrono>

#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "tests/backends_server/test_backends.hpp"
#include "tests/backends_server/test_client.hpp"

using namespace braid;
using namespace braid::test;
using namespace std::chrono_literals;
using backends::ScriptedBackend;
using backends::ScriptedReply;
using backends::server::ServerOptions;
using nlohmann::json;

namespace {

const std::string chat = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
const std::string chat_stream =
    R"({"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]})";

// A reply of `lines` lines, one chunk each, `delay` apart: slow enough to act on mid-stream.
std::unique_ptr<ScriptedBackend> slow_backend(int lines, std::chrono::milliseconds delay) {
    std::string text;
    for (int i = 0; i < lines; ++i) text += "line " + std::to_string(i) + "\n";
    return ScriptedBackend::canned({ScriptedReply{text, delay, {}}});
}

void check_error_body(const HttpReply& reply, int status) {
    INFO(reply.body);
    CHECK(reply.status == status);
    CHECK(reply.header("content-type") == "application/json");
    json j = json::parse(reply.body);
    REQUIRE(j.contains("error"));
    CHECK(j["error"]["message"].is_string());
    CHECK(j["error"]["type"].is_string());
    CHECK(j["error"].contains("param"));
    CHECK(j["error"].contains("code"));
}

// Reads a streamed response's head and chunks until the first content delta has arrived.
void read_until_content(TestClient& client) {
    REQUIRE(client.read_head().status == 200);
    for (;;) {
        auto chunk = client.read_chunk();
        REQUIRE(chunk);
        if (chunk->find("\"content\":\"line") != std::string::npos) return;
    }
}

}  // namespace

TEST_CASE("malformed and oversized requests get a 4xx JSON error and the server keeps serving",
          "[server]") {
    auto backend = ScriptedBackend::instant("x");
    ServerOptions options;
    options.http.max_header_bytes = 1024;
    options.http.max_body_bytes = 4096;
    ServerFixture server(*backend, options);
    struct Case {
        const char* what;
        std::string request;
        int status;
        std::string param;
    };
    const Case cases[] = {
        {"garbage", std::string("\x16\x03\x01\x02\x00 hello\r\n\r\n", 15), 400, ""},
        {"oversized headers",
         "GET /health HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n", 431, ""},
        {"oversized body", post("/v1/chat/completions", std::string(8000, ' ')), 413, ""},
        {"empty chunked body",
         "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, ""},
        {"chunked body with a broken size line",
         "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400, ""},
        {"gzip transfer coding", "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
         501, ""},
        {"bad JSON", post("/v1/chat/completions", "{\"model\":"), 400, ""},
        {"missing model",
         post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})"), 400,
         "model"},
        {"wrong type", post("/v1/chat/completions", R"({"model":"m","messages":"hi"})"), 400,
         "messages"},
        {"bad stop",
         post(
             "/v1/chat/completions",
             R"({"model":"m","stop":["a","b","c","d","e"],"messages":[{"role":"user","content":"hi"}]})"),
         400, "stop"},
        {"token ids", post("/v1/completions", R"({"model":"m","prompt":[1,2]})"), 400, "prompt"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        HttpReply reply = exchange(server.port(), c.request);
        check_error_body(reply, c.status);
        if (!c.param.empty()) CHECK(json::parse(reply.body)["error"]["param"] == c.param);
        CHECK(exchange(server.port(), get("/health")).status == 200);
    }
    CHECK(backend->calls() == 0);
}

TEST_CASE("a chunked request body is decoded and answered, and the connection stays usable",
          "[server]") {
    auto backend = ScriptedBackend::instant("fine");
    ServerFixture server(*backend);
    TestClient client(server.port());
    // The body split into three chunks, the middle one with an extension.
    std::string head =
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    auto chunk = [](std::string_view piece, const char* ext = "") {
        char size[32];
        std::snprintf(size, sizeof size, "%zx%s\r\n", piece.size(), ext);
        return std::string(size) + std::string(piece) + "\r\n";
    };
    std::string_view body = chat;
    client.send(head + chunk(body.substr(0, 10)) + chunk(body.substr(10, 20), ";x=1") +
                chunk(body.substr(30)) + "0\r\n\r\n");
    HttpReply reply = client.read_response();
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    CHECK(json::parse(reply.body)["choices"][0]["message"]["content"] == "fine");
    client.send(get("/health"));
    CHECK(client.read_response().status == 200);
}

TEST_CASE("an invalid body keeps the connection open but a framing error closes it", "[server]") {
    auto backend = ScriptedBackend::instant("fine");
    ServerFixture server(*backend);
    TestClient client(server.port());
    client.send(post("/v1/chat/completions", "[]"));
    check_error_body(client.read_response(), 400);
    client.send(post("/v1/chat/completions", chat));
    CHECK(client.read_response().status == 200);

    client.send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
    HttpReply reply = client.read_response();
    check_error_body(reply, 400);
    CHECK(reply.header("connection") == "close");
    CHECK(client.read_until_closed());
}

TEST_CASE("a client that disconnects mid-stream cancels the backend call", "[server]") {
    auto slow = slow_backend(200, 50ms);  // 10 s if never cancelled
    RecordingBackend backend(*slow);
    ServerFixture server(backend);
    TestClient client(server.port());
    client.send(post("/v1/chat/completions", chat_stream));
    read_until_content(client);
    auto closed_at = std::chrono::steady_clock::now();
    client.close();
    CHECK(backend.wait_for_outcomes(1) == std::vector<std::string>{"cancelled"});
    CHECK(std::chrono::steady_clock::now() - closed_at < 2s);
}

TEST_CASE("a client that disconnects while waiting for a plain response cancels the backend call",
          "[server]") {
    auto slow = slow_backend(200, 50ms);
    RecordingBackend backend(*slow);
    ServerFixture server(backend);
    {
        TestClient client(server.port());
        client.send(post("/v1/chat/completions", chat));
    }
    CHECK(backend.wait_for_outcomes(1) == std::vector<std::string>{"cancelled"});
}

TEST_CASE("generations over the concurrent limit get a 503 whether streamed or not",
          "[server]") {
    // Issue 18, finding 6: the limit counted streaming requests, not generations (n), and plain
    // requests not at all.
    auto slow = slow_backend(100, 50ms);
    RecordingBackend backend(*slow);
    ServerOptions options;
    options.max_concurrent_generations = 2;
    ServerFixture server(backend, options);

    // A request asking on its own for more than the server ever runs is refused outright.
    HttpReply too_many = exchange(
        server.port(),
        post("/v1/chat/completions", R"({"model":"m","n":3,"messages":[{"role":"user","content":"hi"}]})"));
    check_error_body(too_many, 400);
    CHECK(json::parse(too_many.body)["error"]["code"] == "too_many_generations");
    CHECK(backend.requests().empty());

    // A plain request holds one generation while its backend call runs...
    TestClient plain(server.port());
    plain.send(post("/v1/chat/completions", chat));
    REQUIRE(backend.wait_for_requests(1) == 1);
    // ... so a stream of n = 2 does not fit, and one of n = 1 does.
    HttpReply two = exchange(
        server.port(),
        post("/v1/chat/completions",
             R"({"model":"m","n":2,"stream":true,"messages":[{"role":"user","content":"hi"}]})"));
    check_error_body(two, 503);
    CHECK(two.header("retry-after") == "1");
    CHECK(json::parse(two.body)["error"]["code"] == "server_overloaded");
    TestClient streaming(server.port());
    streaming.send(post("/v1/chat/completions", chat_stream));
    read_until_content(streaming);
    // Both generations are in use: a plain request is refused as well.
    HttpReply refused = exchange(server.port(), post("/v1/chat/completions", chat));
    check_error_body(refused, 503);
    CHECK(backend.requests().size() == 2);
    CHECK(exchange(server.port(), get("/health")).status == 200);  // other routes still served
}

TEST_CASE("connections over the limit get a 503 and are closed", "[server]") {
    auto backend = ScriptedBackend::instant("x");
    ServerOptions options;
    options.max_connections = 1;
    ServerFixture server(*backend, options);
    TestClient held(server.port());
    held.send(get("/health"));
    REQUIRE(held.read_response().status == 200);  // accepted and still open (keep-alive)

    TestClient extra(server.port());
    check_error_body(extra.read_response(), 503);
    CHECK(extra.read_until_closed());
}

TEST_CASE("a client that stalls while sending its request is dropped after the request timeout",
          "[server]") {
    auto backend = ScriptedBackend::instant("x");
    ServerOptions options;
    options.request_timeout = 200ms;
    options.idle_timeout = 200ms;
    ServerFixture server(*backend, options);

    SECTION("mid-headers") {
        TestClient client(server.port());
        auto start = std::chrono::steady_clock::now();
        client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: loc");
        std::string received;
        REQUIRE(client.read_until_closed(&received));
        CHECK(received.empty());
        auto waited = std::chrono::steady_clock::now() - start;
        CHECK(waited >= 150ms);
        CHECK(waited < 5s);
    }
    SECTION("mid-body") {
        TestClient client(server.port());
        client.send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"model\":");
        REQUIRE(client.read_until_closed());
    }
    SECTION("idle on a keep-alive connection") {
        TestClient client(server.port());
        client.send(get("/health"));
        REQUIRE(client.read_response().status == 200);
        REQUIRE(client.read_until_closed());
    }
    CHECK(backend->calls() == 0);
}

TEST_CASE("a backend failure before any output becomes an HTTP error status", "[server]") {
    ScriptedBackend backend([](const backends::CompletionRequest& r, std::size_t) {
        bool retryable = r.messages.back().content == "retry";
        return ScriptedReply{"", {}, make_error(ErrorCode::backend, "engine crashed", retryable)};
    });
    ServerFixture server(backend);
    std::string retry = R"({"model":"m","messages":[{"role":"user","content":"retry"}]})";
    HttpReply busy = exchange(server.port(), post("/v1/chat/completions", retry));
    check_error_body(busy, 503);
    CHECK(busy.header("retry-after") == "1");
    CHECK(json::parse(busy.body)["error"]["message"] == "engine crashed");

    HttpReply broken = exchange(server.port(), post("/v1/chat/completions", chat_stream));
    check_error_body(broken, 500);
    CHECK(json::parse(broken.body)["error"]["code"] == "backend_error");
}

TEST_CASE("a backend failure after the stream started is an in-stream error event", "[server]") {
    FailingMidStreamBackend backend;
    ServerFixture server(backend);
    HttpReply reply = exchange(server.port(), post("/v1/chat/completions", chat_stream));
    REQUIRE(reply.status == 200);
    std::vector<std::string> events = sse_events(reply.body);
    REQUIRE(events.size() == 4);  // role, "partial ", error, [DONE]
    CHECK(json::parse(events[1])["choices"][0]["delta"]["content"] == "partial ");
    json error = json::parse(events[2]);
    CHECK(error["error"]["message"] == "engine crashed mid-stream");
    CHECK(error["error"]["code"] == "backend_error");
    CHECK(events[3] == "[DONE]");
}

TEST_CASE("a streaming client that falls too far behind is dropped", "[server]") {
    std::string text;
    for (int i = 0; i < 1000; ++i) text += std::string(1000, 'x') + "\n";  // ~1 MB in 1,000 chunks
    auto backend = ScriptedBackend::instant(text);
    ServerOptions options;
    options.max_stream_backlog_bytes = 64 * 1024;
    ServerFixture server(*backend, options);
    TestClient client(server.port());
    client.send(post(
        "/v1/chat/completions",
        R"({"model":"m","stream":true,"max_tokens":100000,"messages":[{"role":"user","content":"hi"}]})"));
    std::string received;
    REQUIRE(client.read_until_closed(&received));
    CHECK(received.find("[DONE]") == std::string::npos);
}

TEST_CASE("stop() lets a stream in flight finish within the drain period and refuses new work",
          "[server]") {
    auto backend = slow_backend(6, 20ms);
    ServerFixture server(*backend);
    TestClient idle(server.port());
    idle.send(get("/health"));
    REQUIRE(idle.read_response().status == 200);

    TestClient streaming(server.port());
    streaming.send(post("/v1/chat/completions", chat_stream));
    read_until_content(streaming);
    server.stop(5s);
    CHECK(idle.read_until_closed());  // idle connections close at once
    std::string rest;
    while (auto chunk = streaming.read_chunk()) rest += *chunk;
    CHECK(rest.find("data: [DONE]") != std::string::npos);
    CHECK(streaming.read_until_closed());
}
