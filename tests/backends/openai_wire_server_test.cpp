// The server's direction of the OpenAI codec: request bodies decoded (with OpenAI-style 400s),
// responses, streams and error bodies rendered.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "backends/openai_wire/api_error.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "backends/openai_wire/api_response.hpp"
#include "backends/openai_wire/json_string.hpp"
#include "backends/openai_wire/stream_encoder.hpp"

using namespace braid::backends::openai_wire;
using braid::complete_utf8_prefix;
using braid::Role;
using nlohmann::json;

namespace {

ApiRequest decode_ok(Endpoint endpoint, const json& body) {
    ApiRequest out;
    auto error = decode_request(endpoint, body.dump(), out);
    INFO(body.dump());
    INFO((error ? error->message : std::string()));
    REQUIRE(!error);
    return out;
}

ApiError decode_error(Endpoint endpoint, const std::string& body) {
    ApiRequest out;
    auto error = decode_request(endpoint, body, out);
    INFO(body);
    REQUIRE(error);
    CHECK(error->status == 400);
    CHECK(error->type == "invalid_request_error");
    return *error;
}

const json chat_base = {{"model", "m"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}};

}  // namespace

TEST_CASE("a chat request decodes roles, content parts and sampling fields",
          "[backends][wire][server]") {
    json body = {
        {"model", "qwen"},
        {"messages",
         {{{"role", "developer"}, {"content", "be brief"}},
          {{"role", "user"},
           {"content", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}},
          {{"role", "assistant"},
           {"content", nullptr},
           {"tool_calls",
            {{{"id", "c1"},
              {"type", "function"},
              {"function", {{"name", "add"}, {"arguments", "{\"a\":1}"}}}}}}},
          {{"role", "tool"}, {"tool_call_id", "c1"}, {"content", "42"}}}},
        {"max_tokens", 10},
        {"max_completion_tokens", 20},
        {"temperature", 0.5},
        {"top_p", 0.9},
        {"seed", 7},
        {"stop", "END"},
        {"n", 2},
        {"logprobs", true},
        {"top_logprobs", 3},
        {"stream", true},
        {"stream_options", {{"include_usage", true}}}};
    ApiRequest r = decode_ok(Endpoint::chat_completions, body);
    const auto& req = r.request;
    CHECK(req.model == "qwen");
    REQUIRE(req.messages.size() == 4);
    CHECK(req.messages[0].role == Role::system);
    CHECK(req.messages[1].content == "a\nb");
    CHECK(req.messages[2].role == Role::assistant);
    CHECK(req.messages[2].content.empty());
    REQUIRE(req.messages[2].tool_calls.size() == 1);
    CHECK(req.messages[2].tool_calls[0] == braid::ToolCall{"c1", "add", "{\"a\":1}"});
    CHECK(req.messages[3].role == Role::tool);
    CHECK(req.messages[3].tool_call_id == "c1");
    CHECK(req.sampling.max_tokens == 20);  // max_completion_tokens wins
    CHECK(req.sampling.temperature == 0.5);
    CHECK(req.sampling.top_p == 0.9);
    CHECK(req.sampling.seed == 7);
    CHECK(req.sampling.stop == std::vector<std::string>{"END"});
    CHECK(req.sampling.top_logprobs == 3);
    CHECK(r.n == 2);
    CHECK(r.stream);
    CHECK(r.include_usage);
    CHECK(r.num_choices() == 2);
    CHECK(r.choice_request(1).sampling.seed == 8);
}

TEST_CASE("tools and unknown fields pass through as JSON text", "[backends][wire][server]") {
    json body = chat_base;
    body["tools"] = {{{"type", "function"},
                      {"function", {{"name", "ls"}, {"parameters", {{"type", "object"}}}}}}};
    body["tool_choice"] = "required";
    body["parallel_tool_calls"] = false;
    body["top_k"] = 40;
    body["user"] = "u1";
    ApiRequest r = decode_ok(Endpoint::chat_completions, body);
    CHECK(json::parse(r.request.tools_json) == body["tools"]);
    CHECK(r.request.tool_choice_json == "\"required\"");
    CHECK(!r.request.parallel_tool_calls);
    CHECK(json::parse(r.request.extra_json) == json{{"top_k", 40}, {"user", "u1"}});
}

TEST_CASE("a completions request takes a string or an array of prompts and defaults to 16 tokens",
          "[backends][wire][server]") {
    ApiRequest one = decode_ok(Endpoint::completions, {{"model", "m"}, {"prompt", "once"}});
    CHECK(one.request.prompt == "once");
    CHECK(one.request.sampling.max_tokens == 16);
    CHECK(one.request.sampling.top_logprobs == -1);

    ApiRequest many =
        decode_ok(Endpoint::completions,
                  {{"model", "m"}, {"prompt", {"a", "b"}}, {"n", 2}, {"seed", 5}, {"logprobs", 2}});
    REQUIRE(many.num_choices() == 4);
    CHECK(many.choice_request(0).prompt == "a");
    CHECK(many.choice_request(1).sampling.seed == 6);
    CHECK(many.choice_request(2).prompt == "b");
    CHECK(many.choice_request(2).sampling.seed == 5);
    CHECK(many.request.sampling.top_logprobs == 2);
}

TEST_CASE("invalid requests are rejected with the offending parameter named",
          "[backends][wire][server]") {
    auto with = [](const char* key, json value) {
        json body = chat_base;
        body[key] = std::move(value);
        return body.dump();
    };
    CHECK(decode_error(Endpoint::chat_completions, "{not json").param.empty());
    CHECK(decode_error(Endpoint::chat_completions, "[1,2]").param.empty());
    CHECK(decode_error(Endpoint::chat_completions, std::string(100, '[') + std::string(100, ']'))
              .param.empty());
    CHECK(
        decode_error(Endpoint::chat_completions, R"({"messages":[{"role":"user","content":"x"}]})")
            .param == "model");
    CHECK(decode_error(Endpoint::chat_completions, R"({"model":"m"})").param == "messages");
    CHECK(decode_error(Endpoint::chat_completions, R"({"model":"m","messages":[]})").param ==
          "messages");
    CHECK(decode_error(Endpoint::chat_completions,
                       R"({"model":3,"messages":[{"role":"user","content":"x"}]})")
              .param == "model");
    CHECK(decode_error(Endpoint::chat_completions, with("temperature", "hot")).param ==
          "temperature");
    CHECK(decode_error(Endpoint::chat_completions, with("temperature", 3)).param == "temperature");
    CHECK(decode_error(Endpoint::chat_completions, with("max_tokens", 0)).param == "max_tokens");
    CHECK(decode_error(Endpoint::chat_completions, with("max_tokens", 1.5)).param == "max_tokens");
    CHECK(decode_error(Endpoint::chat_completions, with("n", 0)).param == "n");
    CHECK(decode_error(Endpoint::chat_completions, with("stop", {"a", "b", "c", "d", "e"})).param ==
          "stop");
    CHECK(decode_error(Endpoint::chat_completions, with("stop", {1})).param == "stop");
    CHECK(
        decode_error(Endpoint::chat_completions, with("stream_options", {{"include_usage", true}}))
            .param == "stream_options");
    CHECK(decode_error(Endpoint::chat_completions, with("top_logprobs", 2)).param ==
          "top_logprobs");
    CHECK(decode_error(Endpoint::chat_completions, with("tool_choice", "sometimes")).param ==
          "tool_choice");
    CHECK(decode_error(Endpoint::chat_completions, with("tools", {{{"type", "function"}}})).param ==
          "tools[0].function.name");
    CHECK(decode_error(Endpoint::chat_completions,
                       R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})")
              .param == "messages[0].role");
    CHECK(decode_error(
              Endpoint::chat_completions,
              R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})")
              .param == "messages[0].content[0]");
    CHECK(decode_error(Endpoint::chat_completions, R"({"model":"m","messages":[{"role":"user"}]})")
              .param == "messages[0].content");
    ApiError tokens = decode_error(Endpoint::completions, R"({"model":"m","prompt":[1,2,3]})");
    CHECK(tokens.param == "prompt");
    CHECK_THAT(tokens.message, Catch::Contains("Token-id prompts"));
    CHECK(decode_error(Endpoint::completions, R"({"model":"m","prompt":[[1,2]]})").param ==
          "prompt");
    CHECK(decode_error(Endpoint::completions, R"({"model":"m"})").param == "prompt");
    CHECK(decode_error(Endpoint::completions, R"({"model":"m","prompt":"x","logprobs":true})")
              .param == "logprobs");
    CHECK(decode_error(Endpoint::completions, R"({"model":"m","prompt":"x","echo":true})").param ==
          "echo");
}

TEST_CASE("an error renders as the OpenAI error object with null param and code when unset",
          "[backends][wire][server]") {
    ApiError e;
    e.message = "bad";
    json j = json::parse(render_error(e));
    CHECK(j == json{{"error",
                     {{"message", "bad"},
                      {"type", "invalid_request_error"},
                      {"param", nullptr},
                      {"code", nullptr}}}});
}

TEST_CASE("a chat response renders content, tool calls, finish reasons and usage",
          "[backends][wire][server]") {
    ApiRequest r = decode_ok(Endpoint::chat_completions, chat_base);
    braid::backends::Completion c;
    c.text = "";
    c.finish_reason = "tool_calls";
    c.tool_calls = {{"call_1", "ls", R"({"path":"."})"}};
    c.usage.prompt_tokens = 5;
    c.usage.completion_tokens = 7;
    c.usage.cached_prompt_tokens = 2;
    json j = json::parse(render_response(r, ResponseMeta{"chatcmpl-1", 100, "m"}, {c}));
    CHECK(j["object"] == "chat.completion");
    CHECK(j["created"] == 100);
    const json& msg = j["choices"][0]["message"];
    CHECK(msg["content"].is_null());
    CHECK(msg["tool_calls"][0] ==
          json{{"id", "call_1"},
               {"type", "function"},
               {"function", {{"name", "ls"}, {"arguments", R"({"path":"."})"}}}});
    CHECK(j["choices"][0]["finish_reason"] == "tool_calls");
    CHECK(j["usage"] == json{{"prompt_tokens", 5},
                             {"completion_tokens", 7},
                             {"total_tokens", 12},
                             {"prompt_tokens_details", {{"cached_tokens", 2}}}});
}

TEST_CASE("JSON strings replace invalid UTF-8 and streams hold back a split character",
          "[backends][wire][server]") {
    std::string out;
    append_json_string(out, "a\"\n\x01\xff\xc3\xa9");
    CHECK(out == "\"a\\\"\\n\\u0001\xef\xbf\xbd\xc3\xa9\"");
    CHECK(complete_utf8_prefix("ab\xe2\x82") == 2);
    CHECK(complete_utf8_prefix("ab\xe2\x82\xac") == 5);

    ApiRequest r = decode_ok(Endpoint::completions, {{"model", "m"}, {"prompt", "p"}});
    StreamEncoder encoder(r, ResponseMeta{"cmpl-1", 1, "m"});
    std::string sse;
    encoder.content(sse, 0, "x\xe2\x82");  // the euro sign, split
    encoder.content(sse, 0, "\xac");
    std::string text;
    std::size_t pos = 0;
    while ((pos = sse.find("data: ", pos)) != std::string::npos) {
        auto end = sse.find("\n\n", pos);
        text += json::parse(sse.substr(pos + 6, end - pos - 6))["choices"][0]["text"]
                    .get<std::string>();
        pos = end;
    }
    CHECK(text == "x\xe2\x82\xac");
}

TEST_CASE("tool turns need a tool_call_id and tool calls belong to assistant turns",
          "[backends][wire][server]") {
    auto with_message = [](json message) {
        json body = chat_base;
        body["messages"].push_back(std::move(message));
        return body.dump();
    };
    CHECK(decode_error(Endpoint::chat_completions,
                       with_message({{"role", "tool"}, {"content", "42"}}))
              .param == "messages[1].tool_call_id");
    CHECK(decode_error(
              Endpoint::chat_completions,
              with_message({{"role", "user"}, {"content", "x"}, {"tool_calls", json::array()}}))
              .param == "messages[1].tool_calls");
    CHECK(decode_error(Endpoint::chat_completions,
                       with_message({{"role", "assistant"},
                                     {"content", nullptr},
                                     {"tool_calls", {{{"id", "c1"}, {"type", "function"}}}}}))
              .param == "messages[1].tool_calls[0].function");
    CHECK(decode_error(Endpoint::chat_completions,
                       with_message({{"role", "assistant"},
                                     {"tool_calls",
                                      {{{"id", "c1"},
                                        {"type", "retrieval"},
                                        {"function", {{"name", "f"}, {"arguments", "{}"}}}}}}}))
              .param == "messages[1].tool_calls[0].type");
}
