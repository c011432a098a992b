#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/this_coro.hpp>
#include <nlohmann/json.hpp>

#include "backends/openai/openai_backend.hpp"
#include "core/async.hpp"
#include "tests/backends/fault_server.hpp"
#include "tests/backends/openai_fixtures.hpp"

using namespace braid;
using namespace braid::backends;
using namespace braid::backends::openai;
using namespace braid::backends::testing;
using namespace std::chrono_literals;
using nlohmann::json;
namespace async = braid::async;

namespace {

constexpr const char* test_key = "sk-test-0123456789abcdef";

OpenAIOptions options_for(const FaultServer& server) {
    OpenAIOptions o;
    o.base_url = server.base_url();
    o.model = "qwen-test";
    o.api_key = test_key;
    return o;
}

CompletionRequest chat(std::string user) {
    CompletionRequest r;
    r.messages = {{Role::user, std::move(user)}};
    r.sampling.seed = 7;
    return r;
}

// Every piece on_chunk received, in order.
struct Chunks {
    std::vector<std::string> pieces;
    ChunkSink sink() {
        return [this](std::string_view p) { pieces.emplace_back(p); };
    }
    std::string joined() const {
        std::string all;
        for (const std::string& p : pieces) all += p;
        return all;
    }
};

asio::awaitable<void> stream_split(std::size_t piece_bytes) {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [piece_bytes](const RecordedRequest&, std::size_t) {
        return sse_reply_split(chat_stream_events({"Hel", "lo, ", "wörld", "!"}, 9, 4),
                               piece_bytes);
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    Chunks chunks;
    auto r = co_await backend.complete(chat("hi"), chunks.sink());
    REQUIRE(r.has_value());
    CHECK(r->text == "Hello, wörld!");
    CHECK(chunks.joined() == r->text);
    CHECK(chunks.pieces.size() == 4);
    CHECK(r->finish_reason == "stop");
    CHECK(r->usage == Usage{9, 4, 0});
    CHECK(r->latency_ms > 0);
    REQUIRE(server.requests().size() == 1);
    const RecordedRequest& sent = server.requests()[0];
    CHECK(sent.path == "/v1/chat/completions");
    REQUIRE(sent.header("authorization") != nullptr);
    CHECK(*sent.header("authorization") == std::string("Bearer ") + test_key);
    json body = json::parse(sent.body);
    CHECK(body["model"] == "qwen-test");
    CHECK(body["stream"] == true);
    CHECK(body["stream_options"]["include_usage"] == true);
    CHECK(sent.body.find(test_key) == std::string::npos);
}

asio::awaitable<void> non_streaming_and_legacy() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest& req, std::size_t) {
        if (req.path == "/v1/completions")
            return json_reply(
                200,
                R"({"object":"text_completion","choices":[{"index":0,"text":" 4","finish_reason":"length"}],
                                     "usage":{"prompt_tokens":3,"completion_tokens":1}})");
        return json_reply(200, chat_response({"plain answer"}, 5, 2));
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIOptions o = options_for(server);
    o.stream = false;
    OpenAIBackend backend(http, o);
    Chunks chunks;
    auto r = co_await backend.complete(chat("hi"), chunks.sink());
    REQUIRE(r.has_value());
    CHECK(r->text == "plain answer");
    CHECK(chunks.pieces == std::vector<std::string>{"plain answer"});
    CHECK(r->usage == Usage{5, 2, 0});
    CHECK(json::parse(server.requests()[0].body)["stream"] == false);

    CompletionRequest legacy;
    legacy.prompt = "2+2=";
    auto l = co_await backend.complete(legacy, {});
    REQUIRE(l.has_value());
    CHECK(l->text == " 4");
    CHECK(l->finish_reason == "length");
    CHECK(l->usage == Usage{3, 1, 0});
    CHECK(server.requests()[1].path == "/v1/completions");
    CHECK(json::parse(server.requests()[1].body)["prompt"] == "2+2=");
}

asio::awaitable<void> json_answer_to_stream_request() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return json_reply(200, chat_response({"json anyway"}, 2, 2));
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    auto r = co_await backend.complete(chat("hi"), {});
    REQUIRE(r.has_value());
    CHECK(r->text == "json anyway");
}

asio::awaitable<void> tool_calls_split() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        std::vector<std::string> events = {
            sse_event(
                R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"),
            sse_event(
                R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"run_tests","arguments":""}}]}}]})"),
            sse_event(
                R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"path\":"}}]}}]})"),
            ": ping\n\n",
            sse_event(
                R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"tests/\"}"}}]}}]})"),
            sse_event(R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})"),
            sse_event(usage_chunk(5, 7))};  // no [DONE]
        return sse_reply_split(events, 13);
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    CompletionRequest req = chat("run the tests");
    req.tools_json =
        R"([{"type":"function","function":{"name":"run_tests","parameters":{"type":"object"}}}])";
    auto r = co_await backend.complete(req, {});
    REQUIRE(r.has_value());
    CHECK(r->finish_reason == "tool_calls");
    REQUIRE(r->tool_calls.size() == 1);
    CHECK(r->tool_calls[0] == ToolCall{"call_a", "run_tests", R"({"path":"tests/"})"});
    CHECK(r->usage == Usage{5, 7, 0});
    json body = json::parse(server.requests()[0].body);
    CHECK(body["tools"][0]["function"]["name"] == "run_tests");
    CHECK(body["parallel_tool_calls"] == true);
}

asio::awaitable<void> usage_counted_when_missing() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return sse_reply(
            {sse_event(chat_delta("two words")), sse_event(chat_finish("stop")), sse_done()});
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    auto r = co_await backend.complete(chat("count these three"), {});
    REQUIRE(r.has_value());
    CHECK(r->usage.prompt_tokens == estimate_tokens("count these three"));
    CHECK(r->usage.completion_tokens == estimate_tokens("two words"));
    CHECK(backend.stats().usage_estimated == 1);
}

asio::awaitable<void> server_honours_n() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest&, std::size_t) {
        return sse_reply({sse_event(chat_delta("A", 0)), sse_event(chat_delta("xx yy", 1)),
                          sse_event(chat_delta("B", 0)), sse_event(chat_finish("stop", 1)),
                          sse_event(chat_finish("stop", 0)), sse_event(usage_chunk(10, 7, 4)),
                          sse_done()});
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    std::vector<std::pair<std::size_t, std::string>> seen;
    OpenAIBackend::ChoiceSink sink = [&seen](std::size_t c, std::string_view p) {
        seen.emplace_back(c, std::string(p));
    };
    auto set = co_await backend.complete_n(chat("two please"), 2, sink);
    REQUIRE(set.has_value());
    REQUIRE(set->completions.size() == 2);
    CHECK(set->completions[0].text == "AB");
    CHECK(set->completions[1].text == "xx yy");
    CHECK(set->emulated == 0);
    CHECK(set->usage == Usage{10, 7, 4});
    Usage summed;
    for (const Completion& c : set->completions) summed += c.usage;
    CHECK(summed == set->usage);
    CHECK(server.requests().size() == 1);
    CHECK(json::parse(server.requests()[0].body)["n"] == 2);
    CHECK(seen.size() == 3);
}

// A server that ignores n: one streamed choice reading "sample <seed>" for the request's seed.
Reply seeded_sample(const json& body) {
    auto seed = body["seed"].get<long>();
    return sse_reply_split(chat_stream_events({"sample " + std::to_string(seed)}, 6, 2), 5);
}

asio::awaitable<void> server_ignores_n() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest& req, std::size_t) {
        return seeded_sample(json::parse(req.body));
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    auto set = co_await backend.complete_n(chat("three please"), 3);
    REQUIRE(set.has_value());
    REQUIRE(set->completions.size() == 3);
    CHECK(set->completions[0].text == "sample 7");
    CHECK(set->completions[1].text == "sample 8");
    CHECK(set->completions[2].text == "sample 9");
    CHECK(set->emulated == 2);
    CHECK(set->usage == Usage{18, 6, 0});
    Usage summed;
    for (const Completion& c : set->completions) summed += c.usage;
    CHECK(summed == set->usage);
    REQUIRE(server.requests().size() == 3);
    CHECK(json::parse(server.requests()[0].body)["n"] == 3);
    CHECK_FALSE(json::parse(server.requests()[1].body).contains("n"));
}

asio::awaitable<void> server_refuses_n() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest& req, std::size_t) {
        json body = json::parse(req.body);
        if (body.value("n", 1) > 1)
            return json_reply(400, R"({"error":{"message":"Only n = 1 is supported","param":"n",)"
                                   R"("type":"invalid_request_error"}})");
        return seeded_sample(body);
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    auto set = co_await backend.complete_n(chat("three please"), 3);
    REQUIRE(set.has_value());
    REQUIRE(set->completions.size() == 3);
    CHECK(set->completions[0].text == "sample 7");
    CHECK(set->completions[2].text == "sample 9");
    CHECK(set->emulated == 2);
    CHECK(set->failed.empty());
    CHECK(set->usage == Usage{18, 6, 0});
    CHECK(server.requests().size() == 4);  // refused n = 3, then three single requests

    // Remembered: the next call sends no n > 1 at all.
    auto again = co_await backend.complete_n(chat("two please"), 2);
    REQUIRE(again.has_value());
    CHECK(again->completions.size() == 2);
    REQUIRE(server.requests().size() == 6);
    CHECK_FALSE(json::parse(server.requests()[4].body).contains("n"));
}

asio::awaitable<void> one_emulated_choice_fails() {
    auto ex = co_await asio::this_coro::executor;
    FaultServer server(ex, [](const RecordedRequest& req, std::size_t) {
        json body = json::parse(req.body);
        if (body["seed"].get<long>() == 8)
            return json_reply(
                400, R"({"error":{"message":"prompt flagged","type":"invalid_request_error"}})");
        return seeded_sample(body);
    });
    ServerStop stop(server);
    CurlMultiAsio http(ex);
    OpenAIBackend backend(http, options_for(server));
    auto set = co_await backend.complete_n(chat("three please"), 3);
    REQUIRE(set.has_value());
    REQUIRE(set->completions.size() == 2);
    CHECK(set->completions[0].text == "sample 7");
    CHECK(set->completions[1].text == "sample 9");
    REQUIRE(set->failed.size() == 1);
    CHECK(set->failed[0].index == 1);
    CHECK(set->failed[0].error.message.find("prompt flagged") != std::string::npos);
    // The two answered requests are accounted in full.
    CHECK(set->usage == Usage{12, 4, 0});
    Usage summed;
    for (const Completion& c : set->completions) summed += c.usage;
    CHECK(summed == set->usage);
}

}  // namespace

TEST_CASE("a chat stream split every 1, 7 and 64 bytes gives the same text, chunks and exact usage",
          "[backends][openai]") {
    for (std::size_t piece : {1u, 7u, 64u}) {
        INFO("piece bytes " << piece);
        asio::io_context io;
        async::run_sync(io, stream_split(piece));
    }
}

TEST_CASE("non-streaming chat and legacy completions requests parse the JSON answer",
          "[backends][openai]") {
    asio::io_context io;
    async::run_sync(io, non_streaming_and_legacy());
}

TEST_CASE("a server answering a streamed request with plain JSON is accepted",
          "[backends][openai]") {
    asio::io_context io;
    async::run_sync(io, json_answer_to_stream_request());
}

TEST_CASE("tool calls split across chunks and byte boundaries reach the completion",
          "[backends][openai]") {
    asio::io_context io;
    async::run_sync(io, tool_calls_split());
}

TEST_CASE("usage is counted with estimate_tokens when the server sends none",
          "[backends][openai]") {
    asio::io_context io;
    async::run_sync(io, usage_counted_when_missing());
}

TEST_CASE("complete_n uses the server's n and splits its usage exactly over the choices",
          "[backends][openai]") {
    asio::io_context io;
    async::run_sync(io, server_honours_n());
}

TEST_CASE("complete_n fills the gap with parallel seeded requests when the server ignores n",
          "[backends][openai]") {
    asio::io_context io;
    async::run_sync(io, server_ignores_n());
}

TEST_CASE("complete_n falls back to single requests when the server answers n > 1 with 400",
          "[backends][openai]") {
    asio::io_context io;
    async::run_sync(io, server_refuses_n());
}

TEST_CASE("complete_n returns the choices that succeeded and names the one that failed",
          "[backends][openai]") {
    asio::io_context io;
    async::run_sync(io, one_emulated_choice_fails());
}

TEST_CASE("the price table charges uncached input, cached input and output per million tokens",
          "[backends][openai]") {
    auto table = PriceTable::from_json(
        R"({"gpt-x":{"input":2.0,"output":8.0,"cached_input":0.5},"*":{"input":1,"output":1}})");
    REQUIRE(table.has_value());
    Usage u{1'000'000, 500'000, 400'000};
    CHECK(table->cost_usd("gpt-x", u) ==
          Approx(600'000 * 2.0 / 1e6 + 400'000 * 0.5 / 1e6 + 500'000 * 8.0 / 1e6));
    CHECK(table->cost_usd("other", u) ==
          Approx(1.5));  // "*" entry, cached input at the input price
    CHECK(PriceTable().cost_usd("gpt-x", u) == 0);
    CHECK(PriceTable::from_json(R"({"m":{"input":-1,"output":1}})").error().code ==
          ErrorCode::invalid_input);
    CHECK(PriceTable::from_json(R"({"m":{"output":1}})").error().message.find("input") !=
          std::string::npos);
}

TEST_CASE("the API key is read from the named environment variable and errors never show a value",
          "[backends][openai]") {
    ::setenv("BRAID_TEST_OPENAI_KEY", "sk-env-value", 1);
    auto key = read_api_key("BRAID_TEST_OPENAI_KEY");
    REQUIRE(key.has_value());
    CHECK(*key == "sk-env-value");
    ::setenv("BRAID_TEST_OPENAI_KEY", "", 1);
    auto empty = read_api_key("BRAID_TEST_OPENAI_KEY");
    REQUIRE_FALSE(empty.has_value());
    CHECK(empty.error().code == ErrorCode::invalid_input);
    CHECK(empty.error().message.find("BRAID_TEST_OPENAI_KEY") != std::string::npos);
    ::unsetenv("BRAID_TEST_OPENAI_KEY");
    CHECK_FALSE(read_api_key("BRAID_TEST_OPENAI_KEY").has_value());
    auto mistaken = read_api_key("sk-looks-like-a-key");  // the key itself, passed by mistake
    REQUIRE_FALSE(mistaken.has_value());
    CHECK(mistaken.error().message.find("sk-looks-like-a-key") == std::string::npos);
}
