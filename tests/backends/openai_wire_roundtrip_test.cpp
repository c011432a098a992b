// The client's and the server's halves of the OpenAI codec read each other: a request the client
// encodes decodes to the same request on the server, and what the server renders (a response, a
// stream, an error) parses back to the same completions on the client.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/openai_wire/api_error.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "backends/openai_wire/api_response.hpp"
#include "backends/openai_wire/stream_assembler.hpp"
#include "backends/openai_wire/stream_encoder.hpp"

using namespace braid;
using namespace braid::backends;
using namespace braid::backends::openai_wire;
using nlohmann::json;

namespace {

CompletionRequest chat_request() {
    CompletionRequest r;
    r.messages = {{Role::system, "be brief"},
                  {Role::user, "weather in Oslo? \xc3\xb8"},
                  {Role::assistant, "", {{"call_1", "weather", R"({"city":"Oslo"})"}}},
                  {Role::tool, "-3 C", {}, "call_1"}};
    r.sampling.max_tokens = 64;
    r.sampling.temperature = 0.5;
    r.sampling.top_p = 0.9;
    r.sampling.seed = 42;
    r.sampling.stop = {"\n\n", "END"};
    r.sampling.top_logprobs = 3;
    r.tools_json = R"([{"type":"function","function":{"name":"weather"}}])";
    r.parallel_tool_calls = false;
    r.extra_json = R"({"repetition_penalty":1.1})";
    return r;
}

ApiRequest decoded(Endpoint endpoint, const std::string& body) {
    ApiRequest out;
    auto error = decode_request(endpoint, body, out);
    INFO(body);
    INFO((error ? error->message : std::string()));
    REQUIRE(!error);
    return out;
}

std::vector<Completion> sample_choices() {
    Completion text;
    text.text = "Cold: -3 \xc2\xb0";  // ends in a two-byte character
    text.finish_reason = "stop";
    text.stop_sequence = "END";
    text.logprobs = {{"Cold", -0.25, {{"Cold", -0.25}, {"Chilly", -1.5}}},
                     {":", -0.01, {{":", -0.01}, {",", -4.0}}}};
    text.usage = {12, 5, 4};
    Completion tools;
    tools.text = "";
    tools.finish_reason = "tool_calls";
    tools.tool_calls = {{"call_2", "weather", R"({"city":"Bergen"})"}};
    tools.logprobs = {{"<tool>", -0.5, {{"<tool>", -0.5}}}};
    tools.usage = {12, 7, 4};
    return {text, tools};
}

void check_same(const std::vector<Completion>& got, const std::vector<Completion>& sent) {
    REQUIRE(got.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        INFO("choice " << i);
        CHECK(got[i].text == sent[i].text);
        CHECK(got[i].finish_reason == sent[i].finish_reason);
        CHECK(got[i].stop_sequence == sent[i].stop_sequence);
        CHECK(got[i].tool_calls == sent[i].tool_calls);
        REQUIRE(got[i].logprobs.size() == sent[i].logprobs.size());
        for (std::size_t k = 0; k < sent[i].logprobs.size(); ++k) {
            CHECK(got[i].logprobs[k].token == sent[i].logprobs[k].token);
            CHECK(got[i].logprobs[k].logprob == sent[i].logprobs[k].logprob);
            CHECK(got[i].logprobs[k].top == sent[i].logprobs[k].top);
        }
    }
}

// The `data:` payloads of an SSE body as the encoder frames it.
std::vector<std::string> sse_data(std::string_view body) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < body.size()) {
        std::size_t end = body.find("\n\n", pos);
        REQUIRE(end != std::string_view::npos);
        std::string_view event = body.substr(pos, end - pos);
        REQUIRE(event.substr(0, 6) == "data: ");
        out.emplace_back(event.substr(6));
        pos = end + 2;
    }
    return out;
}

}  // namespace

TEST_CASE("a chat request the client encodes decodes to the same request on the server",
          "[backends][wire]") {
    CompletionRequest sent = chat_request();
    auto body = request_json(sent, WireOptions{"m", true, 3});
    REQUIRE(body.has_value());
    ApiRequest got = decoded(endpoint_for(sent), *body);
    CHECK(got.endpoint == Endpoint::chat_completions);
    CHECK(got.request.model == "m");
    CHECK(got.request.messages == sent.messages);
    CHECK(got.request.sampling == sent.sampling);
    CHECK(json::parse(got.request.tools_json) == json::parse(sent.tools_json));
    CHECK(got.request.parallel_tool_calls == sent.parallel_tool_calls);
    CHECK(json::parse(got.request.extra_json) == json::parse(sent.extra_json));
    CHECK(got.n == 3);
    CHECK(got.stream);
    CHECK(got.include_usage);
    CHECK(got.logprobs);
}

TEST_CASE("a completions request the client encodes decodes to the same prompt and sampling",
          "[backends][wire]") {
    CompletionRequest sent;
    sent.prompt = "Once upon a time";
    sent.sampling.max_tokens = 20;
    sent.sampling.seed = 7;
    sent.sampling.top_logprobs = 0;
    auto body = request_json(sent, WireOptions{"m", false, 1});
    REQUIRE(body.has_value());
    ApiRequest got = decoded(endpoint_for(sent), *body);
    CHECK(got.endpoint == Endpoint::completions);
    CHECK(got.prompts == std::vector<std::string>{"Once upon a time"});
    CHECK(got.request.prompt == sent.prompt);
    CHECK(got.request.sampling == sent.sampling);
    CHECK_FALSE(got.stream);
    CHECK(got.logprobs);
}

TEST_CASE("a response the server renders parses back to the same completions and usage",
          "[backends][wire]") {
    for (Endpoint endpoint : {Endpoint::chat_completions, Endpoint::completions}) {
        INFO((endpoint == Endpoint::chat_completions ? "chat" : "completions"));
        ApiRequest request;
        request.endpoint = endpoint;
        request.n = 2;
        request.logprobs = true;
        if (endpoint == Endpoint::completions) request.prompts = {"p"};
        std::vector<Completion> sent = sample_choices();
        if (endpoint == Endpoint::completions) sent[1].tool_calls.clear();
        std::string body = render_response(request, ResponseMeta{"id-1", 1, "m"}, sent);
        auto parsed = parse_response(body, endpoint);
        REQUIRE(parsed.has_value());
        check_same(parsed->choices, sent);
        REQUIRE(parsed->usage.has_value());
        Usage expected = response_usage(request, sent);
        CHECK(parsed->usage->prompt_tokens == expected.prompt_tokens);
        CHECK(parsed->usage->completion_tokens == expected.completion_tokens);
        CHECK(parsed->usage->cached_prompt_tokens == expected.cached_prompt_tokens);
    }
}

TEST_CASE("a stream the server encodes assembles back to the same completions and usage",
          "[backends][wire]") {
    for (Endpoint endpoint : {Endpoint::chat_completions, Endpoint::completions}) {
        INFO((endpoint == Endpoint::chat_completions ? "chat" : "completions"));
        ApiRequest request;
        request.endpoint = endpoint;
        request.n = 2;
        request.stream = true;
        request.include_usage = true;
        request.logprobs = true;
        if (endpoint == Endpoint::completions) request.prompts = {"p"};
        std::vector<Completion> sent = sample_choices();
        if (endpoint == Endpoint::completions) sent[1].tool_calls.clear();

        StreamEncoder encoder(request, ResponseMeta{"id-1", 1, "m"});
        std::string body;
        encoder.begin(body);
        for (std::size_t i = 0; i < sent.size(); ++i) {
            const std::string& text = sent[i].text;
            // Cut inside the last (two-byte) character: the encoder holds its first byte back.
            std::size_t cut = text.empty() ? 0 : text.size() - 1;
            encoder.content(body, i, std::string_view(text).substr(0, cut));
            encoder.content(body, i, std::string_view(text).substr(cut));
            encoder.finish(body, i, sent[i]);
        }
        encoder.usage(body, response_usage(request, sent));
        encoder.done(body);

        StreamAssembler assembler(endpoint);
        std::vector<std::string> streamed(sent.size());
        for (const std::string& data : sse_data(body)) {
            auto fed = assembler.feed(data, [&](std::size_t choice, std::string_view piece) {
                streamed.at(choice) += piece;
            });
            REQUIRE(fed.has_value());
        }
        CHECK(assembler.saw_done());
        CHECK(assembler.finished());
        REQUIRE(assembler.usage().has_value());
        CHECK(assembler.usage()->completion_tokens == 12);
        std::vector<Completion> got = assembler.take_completions();
        check_same(got, sent);
        for (std::size_t i = 0; i < sent.size(); ++i) CHECK(streamed[i] == sent[i].text);
    }
}

TEST_CASE("an error the server renders parses back to its message, type, param and code",
          "[backends][wire]") {
    ApiError sent;
    sent.status = 429;
    sent.message = "slow down";
    sent.type = "rate_limit_error";
    sent.param = "n";
    sent.code = "rate_limit_exceeded";
    ApiError got = parse_error_body(render_error(sent));
    CHECK(got.status == 0);  // a body does not carry the HTTP status
    CHECK(got.message == sent.message);
    CHECK(got.type == sent.type);
    CHECK(got.param == sent.param);
    CHECK(got.code == sent.code);
    CHECK(describe(got) == "rate_limit_error/rate_limit_exceeded: slow down");
}
