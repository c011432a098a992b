#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "backends/openai_wire/api_error.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "backends/openai_wire/api_response.hpp"
#include "core/utf8.hpp"

using namespace braid;
using namespace braid::backends;
using namespace braid::backends::openai_wire;
using nlohmann::json;

namespace {

// An error as parse_error_body gives it: status 0, absent fields "".
ApiError parsed_error(std::string message, std::string type, std::string code) {
    ApiError e;
    e.status = 0;
    e.message = std::move(message);
    e.type = std::move(type);
    e.code = std::move(code);
    return e;
}

CompletionRequest chat_request() {
    CompletionRequest r;
    r.messages = {{Role::system, "be brief"}, {Role::user, "hi"}};
    r.sampling.max_tokens = 64;
    r.sampling.temperature = 0.5;
    r.sampling.top_p = 0.9;
    r.sampling.seed = 42;
    r.sampling.stop = {"\n\n", "END"};
    return r;
}

json body_of(const CompletionRequest& r, WireOptions o) {
    auto text = request_json(r, o);
    REQUIRE(text.has_value());
    return json::parse(*text);
}

}  // namespace

TEST_CASE("chat request JSON carries messages, sampling, streaming with usage and n",
          "[backends][wire]") {
    json j = body_of(chat_request(), {"qwen", true, 3});
    CHECK(j["model"] == "qwen");
    CHECK(
        j["messages"] ==
        json::parse(R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi"}])"));
    CHECK(j["max_tokens"] == 64);
    CHECK(j["temperature"] == 0.5);
    CHECK(j["top_p"] == 0.9);
    CHECK(j["seed"] == 42);
    CHECK(j["stop"] == json::parse(R"(["\n\n","END"])"));
    CHECK(j["n"] == 3);
    CHECK(j["stream"] == true);
    CHECK(j["stream_options"] == json::parse(R"({"include_usage":true})"));
    CHECK_FALSE(j.contains("logprobs"));
    CHECK_FALSE(j.contains("tools"));
}

TEST_CASE("chat request JSON sends an assistant turn's tool calls and a tool turn's call id",
          "[backends][wire]") {
    CompletionRequest r = chat_request();
    Message call{Role::assistant, "", {{"call_1", "add", R"({"a":1,"b":2})"}}, ""};
    Message answer{Role::tool, "3", {}, "call_1"};
    r.messages.push_back(call);
    r.messages.push_back(answer);
    json j = body_of(r, {"qwen", false, 1});
    REQUIRE(j["messages"].size() == 4);
    CHECK(j["messages"][2] == json::parse(R"({"role":"assistant","content":null,"tool_calls":[
        {"id":"call_1","type":"function","function":{"name":"add","arguments":"{\"a\":1,\"b\":2}"}}]})"));
    CHECK(j["messages"][3] ==
          json::parse(R"({"role":"tool","content":"3","tool_call_id":"call_1"})"));

    // The store key sees tool calls, and a plain conversation's key does not change with them.
    CompletionRequest plain = chat_request();
    CHECK(plain.canonical_json().find("tool_call") == std::string::npos);
    CompletionRequest other = r;
    other.messages[2].tool_calls[0].arguments = R"({"a":1,"b":3})";
    CHECK(other.key() != r.key());
}

TEST_CASE("chat request JSON sends tools, tool_choice, parallel_tool_calls and bool logprobs",
          "[backends][wire]") {
    CompletionRequest r = chat_request();
    r.tools_json =
        R"([{"type":"function","function":{"name":"ls","parameters":{"type":"object"}}}])";
    r.tool_choice_json = "auto";  // a bare word is accepted
    r.parallel_tool_calls = false;
    r.sampling.top_logprobs = 5;
    json j = body_of(r, {"m", false, 1});
    CHECK(j["tools"][0]["function"]["name"] == "ls");
    CHECK(j["tool_choice"] == "auto");
    CHECK(j["parallel_tool_calls"] == false);
    CHECK(j["logprobs"] == true);
    CHECK(j["top_logprobs"] == 5);
    CHECK(j["stream"] == false);
    CHECK_FALSE(j.contains("stream_options"));
    CHECK_FALSE(j.contains("n"));

    r.tool_choice_json = R"({"type":"function","function":{"name":"ls"}})";
    CHECK(body_of(r, {"m", false, 1})["tool_choice"]["function"]["name"] == "ls");
}

TEST_CASE("chat request JSON with top_logprobs 0 asks for logprobs without alternatives",
          "[backends][wire]") {
    CompletionRequest r = chat_request();
    r.sampling.top_logprobs = 0;
    json j = body_of(r, {"m", false, 1});
    CHECK(j["logprobs"] == true);
    CHECK_FALSE(j.contains("top_logprobs"));
    r.sampling.top_logprobs = -1;
    j = body_of(r, {"m", false, 1});
    CHECK_FALSE(j.contains("logprobs"));
    CHECK_FALSE(j.contains("top_logprobs"));
}

TEST_CASE("legacy completions request JSON sends the prompt and logprobs as an int",
          "[backends][wire]") {
    CompletionRequest r;
    r.prompt = "2+2=";
    r.sampling.top_logprobs = 3;
    r.sampling.seed = ~0ULL;  // the top bit is dropped: servers take a signed 64-bit seed
    REQUIRE(endpoint_for(r) == Endpoint::completions);
    CHECK(endpoint_path(endpoint_for(r)) == "/completions");
    json j = body_of(r, {"m", true, 1});
    CHECK(j["prompt"] == "2+2=");
    CHECK_FALSE(j.contains("messages"));
    CHECK(j["logprobs"] == 3);
    CHECK_FALSE(j.contains("top_logprobs"));
    CHECK(j["seed"] == 0x7fffffffffffffffLL);
}

TEST_CASE("extra fields are merged but cannot override the fields braid controls",
          "[backends][wire]") {
    CompletionRequest r = chat_request();
    r.extra_json =
        R"({"top_k":20,"min_p":0.05,"temperature":0.1,"stream":false,"n":9,"model":"evil"})";
    json j = body_of(r, {"m", true, 1});
    CHECK(j["top_k"] == 20);
    CHECK(j["min_p"] == 0.05);
    CHECK(j["temperature"] == 0.1);
    CHECK(j["stream"] == true);
    CHECK_FALSE(j.contains("n"));
    CHECK(j["model"] == "m");
}

TEST_CASE("malformed tool or extra JSON is rejected as invalid input, not sent",
          "[backends][wire]") {
    CompletionRequest r = chat_request();
    r.tools_json = "{not json";
    auto bad_tools = request_json(r, {"m", true, 1});
    REQUIRE_FALSE(bad_tools.has_value());
    CHECK(bad_tools.error().code == ErrorCode::invalid_input);
    CHECK_FALSE(bad_tools.error().retryable);

    r = chat_request();
    r.extra_json = "[1,2]";
    CHECK(request_json(r, {"m", true, 1}).error().code == ErrorCode::invalid_input);

    r = chat_request();
    r.tool_choice_json = "{broken";
    CHECK(request_json(r, {"m", true, 1}).error().code == ErrorCode::invalid_input);

    CompletionRequest prompt_only;
    prompt_only.prompt = "x";
    prompt_only.tools_json = "[]";
    CHECK(request_json(prompt_only, {"m", true, 1}).error().code == ErrorCode::invalid_input);
}

TEST_CASE("a chat response parses text, tool calls, finish reason, logprobs and cached usage",
          "[backends][wire]") {
    const char* body = R"({"id":"x","object":"chat.completion","choices":[
        {"index":1,"message":{"role":"assistant","content":null,"tool_calls":[
            {"id":"c1","type":"function","function":{"name":"ls","arguments":"{\"p\":1}"}},
            {"id":"c2","type":"function","function":{"name":"cat","arguments":{"f":"x"}}}]},
         "finish_reason":"tool_calls","logprobs":null},
        {"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop",
         "logprobs":{"content":[{"token":"Hello","logprob":-0.1,"top_logprobs":[{"token":"Hello","logprob":-0.1},{"token":"Hi","logprob":-2.5}]}]}}],
      "usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":4}}})";
    auto parsed = parse_response(body, Endpoint::chat_completions);
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->choices.size() == 2);
    const Completion& first = parsed->choices[0];
    CHECK(first.text == "Hello");
    CHECK(first.finish_reason == "stop");
    REQUIRE(first.logprobs.size() == 1);
    CHECK(first.logprobs[0].token == "Hello");
    CHECK(first.logprobs[0].top.size() == 2);
    CHECK(first.logprobs[0].top[1].first == "Hi");
    const Completion& second = parsed->choices[1];
    CHECK(second.text.empty());
    CHECK(second.finish_reason == "tool_calls");
    REQUIRE(second.tool_calls.size() == 2);
    CHECK(second.tool_calls[0] == ToolCall{"c1", "ls", "{\"p\":1}"});
    CHECK(second.tool_calls[1] == ToolCall{"c2", "cat", "{\"f\":\"x\"}"});
    REQUIRE(parsed->usage.has_value());
    CHECK(*parsed->usage == Usage{11, 7, 4});
}

TEST_CASE("a legacy completions response parses text and per-token alternatives, most likely first",
          "[backends][wire]") {
    const char* body =
        R"({"object":"text_completion","choices":[{"index":0,"text":" 4","finish_reason":"length",
        "logprobs":{"tokens":[" 4"],"token_logprobs":[-0.01],"top_logprobs":[{" 5":-3.0," 4":-0.01}],"text_offset":[4]}}]})";
    auto parsed = parse_response(body, Endpoint::completions);
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->choices.size() == 1);
    CHECK(parsed->choices[0].text == " 4");
    CHECK(parsed->choices[0].finish_reason == "length");
    REQUIRE(parsed->choices[0].logprobs.size() == 1);
    CHECK(parsed->choices[0].logprobs[0].top[0].first == " 4");
    CHECK_FALSE(parsed->usage.has_value());
}

TEST_CASE("a response that is not JSON or has no choices is a retryable parse error",
          "[backends][wire]") {
    auto garbage = parse_response("<html>bad gateway</html>", Endpoint::chat_completions);
    REQUIRE_FALSE(garbage.has_value());
    CHECK(garbage.error().code == ErrorCode::parse);
    CHECK(garbage.error().retryable);
    CHECK(parse_response("{}", Endpoint::chat_completions).error().code == ErrorCode::parse);
}

TEST_CASE("error bodies parse with a string or an integer code and other common shapes",
          "[backends][wire]") {
    auto openai_style = parse_error_body(
        R"({"error":{"message":"Rate limit","type":"requests","param":null,"code":"rate_limit_exceeded"}})");
    CHECK(openai_style.message == "Rate limit");
    CHECK(openai_style.code == "rate_limit_exceeded");
    auto llama_style = parse_error_body(
        R"({"error":{"code":503,"message":"Loading model","type":"unavailable_error"}})");
    CHECK(llama_style.code == "503");
    CHECK(describe(llama_style) == "unavailable_error/503: Loading model");
    CHECK(parse_error_body(R"({"detail":"Not Found"})").message == "Not Found");
    CHECK(parse_error_body(R"({"error":"plain"})").message == "plain");
    CHECK(parse_error_body("oops").message == "oops");
}

TEST_CASE("describe cuts a long error message at a character boundary", "[backends][wire]") {
    // Found by analysing the sse_stream fuzz target: byte 500 fell inside a two-byte character.
    const std::string text = describe(parsed_error(std::string(499, 'a') + "\u00e9\u00e9", "", ""));
    CHECK(text == std::string(499, 'a'));
    CHECK(braid::is_valid_utf8(text));
}

TEST_CASE("error objects name client errors as not retryable and server errors as retryable",
          "[backends][wire]") {
    CHECK(stream_error_retryable(parsed_error("engine crashed", "", "")));
    CHECK(stream_error_retryable(parsed_error("x", "", "503")));
    CHECK(stream_error_retryable(parsed_error("x", "", "429")));
    CHECK_FALSE(stream_error_retryable(parsed_error("x", "", "400")));
    CHECK_FALSE(stream_error_retryable(parsed_error("x", "invalid_request_error", "")));
    CHECK_FALSE(stream_error_retryable(parsed_error("x", "", "context_length_exceeded")));
    CHECK(stream_error_retryable(parsed_error("x", "server_error", "")));
}

TEST_CASE("a response names the matched stop string from vLLM stop_reason or SGLang matched_stop",
          "[backends][wire]") {
    const char* body =
        R"({"choices":[{"index":0,"text":"a","finish_reason":"stop","stop_reason":"</Path>"},
        {"index":1,"text":"b","finish_reason":"stop","matched_stop":"</Goal>"},
        {"index":2,"text":"c","finish_reason":"stop","stop_reason":151645},
        {"index":3,"text":"d","finish_reason":"length","stop_reason":null}]})";
    auto parsed = parse_response(body, Endpoint::completions);
    REQUIRE(parsed.has_value());
    REQUIRE(parsed->choices.size() == 4);
    CHECK(parsed->choices[0].stop_sequence == "</Path>");
    CHECK(parsed->choices[1].stop_sequence == "</Goal>");
    CHECK(parsed->choices[2].stop_sequence.empty());  // a stop token id, not a string
    CHECK(parsed->choices[3].stop_sequence.empty());
}
