// braid serve over real loopback sockets: responses, streams, n > 1, tools, keep-alive, routes.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "tests/backends_server/test_backends.hpp"
#include "tests/backends_server/test_client.hpp"

using namespace braid;
using namespace braid::test;
using backends::CompletionRequest;
using backends::estimate_tokens;
using backends::ScriptedBackend;
using backends::ScriptedReply;
using nlohmann::json;

namespace {

const std::string story = "Once upon a time,\nthere was a server\nthat streamed.";

std::string chat_body(json extra = json::object()) {
    json body = {{"model", "braid-test"},
                 {"messages", {{{"role", "user"}, {"content", "Tell me a story"}}}}};
    body.update(extra);
    return body.dump();
}

// The prompt-token estimate the scripted backend reports for a one-message chat.
std::int64_t chat_prompt_tokens(const std::string& content) {
    return estimate_tokens(content + "\n");
}

// Concatenated content deltas per choice index of a chat stream, plus the parsed chunks.
struct ParsedStream {
    std::vector<json> chunks;  // every data: payload but [DONE]
    std::map<int, std::string> text;
    std::map<int, std::string> finish;
    bool done = false;
};

ParsedStream parse_stream(const std::string& body, const char* text_field) {
    ParsedStream out;
    for (const std::string& data : sse_events(body)) {
        REQUIRE(!out.done);  // nothing after [DONE]
        if (data == "[DONE]") {
            out.done = true;
            continue;
        }
        json chunk = json::parse(data);
        for (const json& choice : chunk["choices"]) {
            int index = choice["index"];
            json piece = std::string(text_field) == "text"
                             ? choice.value("text", json())
                             : choice["delta"].value("content", json());
            if (piece.is_string()) out.text[index] += piece.get<std::string>();
            if (!choice["finish_reason"].is_null()) {
                REQUIRE(out.finish.count(index) == 0);  // finish_reason only in the last chunk
                out.finish[index] = choice["finish_reason"];
            }
        }
        out.chunks.push_back(std::move(chunk));
    }
    return out;
}

}  // namespace

TEST_CASE("a chat completion is answered with the scripted text and exact usage", "[server]") {
    auto backend = ScriptedBackend::instant(story);
    ServerFixture server(*backend);
    HttpReply reply = exchange(server.port(), post("/v1/chat/completions", chat_body()));
    REQUIRE(reply.status == 200);
    CHECK(reply.header("content-type") == "application/json");
    json j = json::parse(reply.body);
    CHECK(j["object"] == "chat.completion");
    CHECK(j["id"].get<std::string>().rfind("chatcmpl-", 0) == 0);
    CHECK(j["model"] == "braid-test");
    REQUIRE(j["choices"].size() == 1);
    CHECK(j["choices"][0]["index"] == 0);
    CHECK(j["choices"][0]["message"]["role"] == "assistant");
    CHECK(j["choices"][0]["message"]["content"] == story);
    CHECK(j["choices"][0]["finish_reason"] == "stop");
    std::int64_t prompt = chat_prompt_tokens("Tell me a story"),
                 completion = estimate_tokens(story);
    CHECK(j["usage"] == json{{"prompt_tokens", prompt},
                             {"completion_tokens", completion},
                             {"total_tokens", prompt + completion},
                             {"prompt_tokens_details", {{"cached_tokens", 0}}}});
}

TEST_CASE("a legacy completion answers every prompt n times with consecutive seeds", "[server]") {
    ScriptedBackend backend([](const CompletionRequest& r, std::size_t) {
        return ScriptedReply{r.prompt + "#" + std::to_string(r.sampling.seed), {}, {}};
    });
    ServerFixture server(backend);
    json body = {
        {"model", "m"}, {"prompt", {"alpha", "beta"}}, {"n", 2}, {"seed", 40}, {"max_tokens", 50}};
    HttpReply reply = exchange(server.port(), post("/v1/completions", body.dump()));
    REQUIRE(reply.status == 200);
    json j = json::parse(reply.body);
    CHECK(j["object"] == "text_completion");
    REQUIRE(j["choices"].size() == 4);
    const char* expected[] = {"alpha#40", "alpha#41", "beta#40", "beta#41"};
    std::int64_t completion = 0;
    for (int i = 0; i < 4; ++i) {
        CHECK(j["choices"][i]["index"] == i);
        CHECK(j["choices"][i]["text"] == expected[i]);
        completion += estimate_tokens(expected[i]);
    }
    CHECK(backend.calls() == 4);
    CHECK(j["usage"]["prompt_tokens"] == estimate_tokens("alpha") + estimate_tokens("beta"));
    CHECK(j["usage"]["completion_tokens"] == completion);
}

TEST_CASE("n=3 calls the backend three times and bills the prompt once", "[server]") {
    ScriptedBackend backend([](const CompletionRequest& r, std::size_t) {
        return ScriptedReply{"answer " + std::to_string(r.sampling.seed), {}, {}};
    });
    ServerFixture server(backend);
    HttpReply reply =
        exchange(server.port(), post("/v1/chat/completions", chat_body({{"n", 3}, {"seed", 1}})));
    REQUIRE(reply.status == 200);
    json j = json::parse(reply.body);
    REQUIRE(j["choices"].size() == 3);
    for (int i = 0; i < 3; ++i)
        CHECK(j["choices"][i]["message"]["content"] == "answer " + std::to_string(1 + i));
    CHECK(backend.calls() == 3);
    CHECK(j["usage"]["prompt_tokens"] == chat_prompt_tokens("Tell me a story"));
    CHECK(j["usage"]["completion_tokens"] == 3 * estimate_tokens("answer 1"));
}

TEST_CASE("a streamed chat completion arrives as SSE chunks that add up to the text", "[server]") {
    auto backend = ScriptedBackend::instant(story);
    ServerFixture server(*backend);
    std::string body = chat_body({{"stream", true}, {"stream_options", {{"include_usage", true}}}});
    HttpReply reply = exchange(server.port(), post("/v1/chat/completions", body));
    REQUIRE(reply.status == 200);
    CHECK(reply.header("content-type") == "text/event-stream");
    CHECK(reply.header("transfer-encoding") == "chunked");
    ParsedStream s = parse_stream(reply.body, "content");
    REQUIRE(s.done);
    REQUIRE(s.chunks.size() >= 5);  // role, three lines, finish, usage
    CHECK(s.chunks.front()["object"] == "chat.completion.chunk");
    CHECK(s.chunks.front()["choices"][0]["delta"]["role"] == "assistant");
    CHECK(s.text[0] == story);
    CHECK(s.finish[0] == "stop");
    const json& usage_chunk = s.chunks.back();
    CHECK(usage_chunk["choices"] == json::array());
    std::int64_t prompt = chat_prompt_tokens("Tell me a story"),
                 completion = estimate_tokens(story);
    CHECK(usage_chunk["usage"]["prompt_tokens"] == prompt);
    CHECK(usage_chunk["usage"]["completion_tokens"] == completion);
    CHECK(usage_chunk["usage"]["total_tokens"] == prompt + completion);
    for (std::size_t i = 0; i + 1 < s.chunks.size(); ++i) {
        CHECK(s.chunks[i]["usage"].is_null());
        CHECK(s.chunks[i]["id"] == usage_chunk["id"]);
    }
}

TEST_CASE("a streamed completion with n=2 interleaves choices and sends no usage unless asked",
          "[server]") {
    auto backend = ScriptedBackend::instant(story);
    ServerFixture server(*backend);
    json body = {{"model", "m"}, {"prompt", "p"}, {"n", 2}, {"stream", true}, {"max_tokens", 100}};
    HttpReply reply = exchange(server.port(), post("/v1/completions", body.dump()));
    REQUIRE(reply.status == 200);
    ParsedStream s = parse_stream(reply.body, "text");
    REQUIRE(s.done);
    CHECK(s.text[0] == story);
    CHECK(s.text[1] == story);
    CHECK(s.finish[0] == "stop");
    CHECK(s.finish[1] == "stop");
    for (const json& chunk : s.chunks) {
        CHECK(chunk["object"] == "text_completion");
        CHECK(!chunk.contains("usage"));
        CHECK(chunk["choices"].size() == 1);
    }
}

TEST_CASE("tool declarations reach the backend and tool calls come back in both response shapes",
          "[server]") {
    ToolCallingBackend tools;
    RecordingBackend backend(tools);
    ServerFixture server(backend);
    json tool_list = {
        {{"type", "function"},
         {"function", {{"name", "run_tests"}, {"parameters", {{"type", "object"}}}}}}};
    json extra = {{"tools", tool_list}, {"tool_choice", "auto"}, {"parallel_tool_calls", false},
                  {"top_k", 20},        {"logprobs", true},      {"top_logprobs", 1}};

    HttpReply plain = exchange(server.port(), post("/v1/chat/completions", chat_body(extra)));
    REQUIRE(plain.status == 200);
    json j = json::parse(plain.body);
    const json& message = j["choices"][0]["message"];
    CHECK(message["content"] == "Let me look.");
    REQUIRE(message["tool_calls"].size() == 2);
    CHECK(message["tool_calls"][1] == json{{"id", "call_b"},
                                           {"type", "function"},
                                           {"function", {{"name", "ls"}, {"arguments", "{}"}}}});
    CHECK(j["choices"][0]["finish_reason"] == "tool_calls");
    CHECK(j["choices"][0]["logprobs"]["content"][0]["top_logprobs"][0]["token"] == "Let");
    CHECK(j["usage"]["prompt_tokens_details"]["cached_tokens"] == 4);

    auto requests = backend.requests();
    REQUIRE(requests.size() == 1);
    CHECK(json::parse(requests[0].tools_json) == tool_list);
    CHECK(requests[0].tool_choice_json == "\"auto\"");
    CHECK(!requests[0].parallel_tool_calls);
    CHECK(json::parse(requests[0].extra_json) == json{{"top_k", 20}});

    extra["stream"] = true;
    HttpReply streamed = exchange(server.port(), post("/v1/chat/completions", chat_body(extra)));
    REQUIRE(streamed.status == 200);
    ParsedStream s = parse_stream(streamed.body, "content");
    std::vector<json> calls;
    for (const json& chunk : s.chunks)
        for (const json& choice : chunk["choices"])
            if (choice["delta"].contains("tool_calls"))
                for (const json& call : choice["delta"]["tool_calls"]) calls.push_back(call);
    REQUIRE(calls.size() == 2);
    CHECK(calls[0] ==
          json{{"index", 0},
               {"id", "call_a"},
               {"type", "function"},
               {"function", {{"name", "run_tests"}, {"arguments", R"({"path":"tests/"})"}}}});
    CHECK(calls[1]["index"] == 1);
    CHECK(s.text[0] == "Let me look.");
    CHECK(s.finish[0] == "tool_calls");
}

TEST_CASE("two requests on one keep-alive connection, and two pipelined, are all answered",
          "[server]") {
    auto backend = ScriptedBackend::instant("hi");
    ServerFixture server(*backend);
    TestClient client(server.port());
    client.send(post("/v1/chat/completions", chat_body()));
    HttpReply first = client.read_response();
    CHECK(first.status == 200);
    CHECK(first.header("connection") == "keep-alive");
    client.send(post("/v1/chat/completions", chat_body({{"stream", true}})));
    HttpReply second = client.read_response();
    CHECK(second.status == 200);
    CHECK(parse_stream(second.body, "content").text[0] == "hi");

    client.send(get("/health") + post("/v1/completions", R"({"model":"m","prompt":"x"})"));
    CHECK(client.read_response().status == 200);
    HttpReply fourth = client.read_response();
    CHECK(fourth.status == 200);
    CHECK(json::parse(fourth.body)["choices"][0]["text"] == "hi");
    CHECK(backend->calls() == 3);
}

TEST_CASE("Connection: close is honoured after the response", "[server]") {
    auto backend = ScriptedBackend::instant("bye");
    ServerFixture server(*backend);
    TestClient client(server.port());
    client.send(post("/v1/chat/completions", chat_body(), "Connection: close\r\n"));
    HttpReply reply = client.read_response();
    CHECK(reply.status == 200);
    CHECK(reply.header("connection") == "close");
    CHECK(client.read_until_closed());
}

TEST_CASE("an HTTP/1.0 stream is unframed and ends when the server closes", "[server]") {
    auto backend = ScriptedBackend::instant(story);
    ServerFixture server(*backend);
    std::string body = chat_body({{"stream", true}});
    TestClient client(server.port());
    client.send("POST /v1/chat/completions HTTP/1.0\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
    HttpReply reply = client.read_response();
    CHECK(reply.status == 200);
    CHECK(reply.header("transfer-encoding").empty());
    CHECK(parse_stream(reply.body, "content").text[0] == story);
}

TEST_CASE("health, models, unknown routes and wrong methods", "[server]") {
    auto backend = ScriptedBackend::instant("x");
    backends::server::ServerOptions options;
    options.model_name = "served-model";
    ServerFixture server(*backend, options);

    HttpReply health = exchange(server.port(), get("/health"));
    CHECK(health.status == 200);
    CHECK(json::parse(health.body) == json{{"status", "ok"}, {"completion_requests", 0}});
    const std::string body = R"({"model":"m","messages":[{"role":"user","content":"hi"}]})";
    HttpReply done = exchange(server.port(), "POST /v1/chat/completions HTTP/1.0\r\nContent-Length: " +
                                                 std::to_string(body.size()) + "\r\n\r\n" + body);
    CHECK(done.status == 200);
    CHECK(json::parse(exchange(server.port(), get("/health")).body)["completion_requests"] == 1);

    HttpReply models = exchange(server.port(), get("/v1/models"));
    CHECK(models.status == 200);
    json m = json::parse(models.body);
    CHECK(m["object"] == "list");
    REQUIRE(m["data"].size() == 1);
    CHECK(m["data"][0]["id"] == "served-model");
    CHECK(m["data"][0]["object"] == "model");

    HttpReply missing = exchange(server.port(), get("/v1/nothing"));
    CHECK(missing.status == 404);
    CHECK(json::parse(missing.body)["error"]["message"] == "Invalid URL (GET /v1/nothing)");

    HttpReply wrong = exchange(server.port(), get("/v1/chat/completions"));
    CHECK(wrong.status == 405);
    CHECK(wrong.header("allow") == "POST");
    CHECK(json::parse(wrong.body)["error"]["type"] == "invalid_request_error");
    CHECK(backend->calls() == 1);  // the one completion above: the others never reach it
}

TEST_CASE("Expect: 100-continue gets an interim response before the body is sent", "[server]") {
    auto backend = ScriptedBackend::instant("ok");
    ServerFixture server(*backend);
    std::string body = chat_body();
    TestClient client(server.port());
    client.send("POST /v1/chat/completions HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n");
    CHECK(client.read_head(/*skip_interim=*/false).status == 100);  // before any body byte was sent
    client.send(body);
    HttpReply reply = client.read_response();
    CHECK(reply.status == 200);
    CHECK(json::parse(reply.body)["choices"][0]["message"]["content"] == "ok");
}

TEST_CASE("each choice names the stop string that ended it as stop_reason, streamed or not",
          "[server]") {
    auto backend = ScriptedBackend::instant("<Path>\n1: 3*4=12</Path>\nnot sent");
    ServerFixture server(*backend);
    json body = {{"model", "braid-test"},
                 {"prompt", "<Goal>"},
                 {"stop", {"</Outline>", "</Path>"}}};
    HttpReply plain = exchange(server.port(), post("/v1/completions", body.dump()));
    REQUIRE(plain.status == 200);
    json j = json::parse(plain.body);
    CHECK(j["choices"][0]["text"] == "<Path>\n1: 3*4=12");
    CHECK(j["choices"][0]["finish_reason"] == "stop");
    CHECK(j["choices"][0]["stop_reason"] == "</Path>");

    body["stream"] = true;
    HttpReply streamed = exchange(server.port(), post("/v1/completions", body.dump()));
    REQUIRE(streamed.status == 200);
    ParsedStream s = parse_stream(streamed.body, "text");
    REQUIRE(s.done);
    CHECK(s.text[0] == "<Path>\n1: 3*4=12");
    const json& last = s.chunks.back()["choices"][0];
    CHECK(last["finish_reason"] == "stop");
    CHECK(last["stop_reason"] == "</Path>");

    // No stop string matched: null, as vLLM sends it.
    body.erase("stop");
    body["stream"] = false;
    HttpReply unstopped = exchange(server.port(), post("/v1/completions", body.dump()));
    REQUIRE(unstopped.status == 200);
    CHECK(json::parse(unstopped.body)["choices"][0]["stop_reason"].is_null());
}
