#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "backends/openai_wire/stream_assembler.hpp"
#include "core/utf8.hpp"

using namespace braid;
using namespace braid::backends;
using namespace braid::backends::openai_wire;

namespace {

struct Fed {
    std::vector<std::pair<std::size_t, std::string>> pieces;
    StreamAssembler::TextSink sink() {
        return [this](std::size_t choice, std::string_view piece) {
            pieces.emplace_back(choice, std::string(piece));
        };
    }
};

void feed_all(StreamAssembler& a, const std::vector<std::string>& chunks,
              const StreamAssembler::TextSink& sink = {}) {
    for (const std::string& c : chunks) {
        auto r = a.feed(c, sink);
        REQUIRE(r.has_value());
    }
}

}  // namespace

TEST_CASE("assembler joins a tool call split across chunks and records the usage-only chunk",
          "[backends][assembler]") {
    // The stream the official openai npm client assembled on the build machine (ecosystem.md §1.3).
    StreamAssembler a(Endpoint::chat_completions);
    feed_all(
        a,
        {R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})",
         R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"run_tests","arguments":""}}]},"finish_reason":null}]})",
         R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"path\":"}}]},"finish_reason":null}]})",
         R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"tests/\"}"}}]},"finish_reason":null}]})",
         R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null})",
         R"({"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}})",
         "[DONE]"});
    CHECK(a.saw_done());
    CHECK(a.finished());
    REQUIRE(a.usage().has_value());
    CHECK(*a.usage() == Usage{5, 7, 0});
    auto done = a.take_completions();
    REQUIRE(done.size() == 1);
    CHECK(done[0].finish_reason == "tool_calls");
    REQUIRE(done[0].tool_calls.size() == 1);
    CHECK(done[0].tool_calls[0] == ToolCall{"call_a", "run_tests", R"({"path":"tests/"})"});
}

TEST_CASE("assembler keeps n=2 interleaved choices apart, with two parallel tool calls in one",
          "[backends][assembler]") {
    StreamAssembler a(Endpoint::chat_completions);
    Fed fed;
    feed_all(
        a,
        {R"({"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"id":"t0","function":{"name":"ls","arguments":""}}]}}]})",
         R"({"choices":[{"index":0,"delta":{"content":"A"}}]})",
         R"({"choices":[{"index":1,"delta":{"tool_calls":[{"index":1,"id":"t1","function":{"name":"cat","arguments":"{\"p\""}}]}}]})",
         R"({"choices":[{"index":0,"delta":{"content":"B"},"finish_reason":"stop"}]})",
         R"({"choices":[{"index":1,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{}"}},{"index":1,"function":{"arguments":":\"x\"}"}}]}}]})",
         R"({"choices":[{"index":1,"delta":{},"finish_reason":"tool_calls"}]})"},
        fed.sink());
    CHECK_FALSE(a.saw_done());  // [DONE] is optional
    CHECK(a.finished());
    auto done = a.take_completions();
    REQUIRE(done.size() == 2);
    CHECK(done[0].text == "AB");
    CHECK(done[0].finish_reason == "stop");
    CHECK(done[1].text.empty());
    REQUIRE(done[1].tool_calls.size() == 2);
    CHECK(done[1].tool_calls[0] == ToolCall{"t0", "ls", "{}"});
    CHECK(done[1].tool_calls[1] == ToolCall{"t1", "cat", R"({"p":"x"})"});
    CHECK(fed.pieces == std::vector<std::pair<std::size_t, std::string>>{{0, "A"}, {0, "B"}});
}

TEST_CASE("assembler is lenient with tool-call fragments that omit index or send null arguments",
          "[backends][assembler]") {
    StreamAssembler a(Endpoint::chat_completions);
    feed_all(
        a,
        {R"({"choices":[{"delta":{"tool_calls":[{"id":"x1","function":{"name":"f","arguments":null}}]}}]})",
         R"({"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"{\"a\":"}}]}}]})",
         R"({"choices":[{"delta":{"tool_calls":[{"function":{"arguments":"1}"}}]}}]})",
         R"({"choices":[{"delta":{"tool_calls":[{"id":"x2","function":{"name":"g","arguments":"{}"}}]}}]})",
         R"({"choices":[{"delta":{},"finish_reason":"tool_calls"}]})"});
    auto done = a.take_completions();
    REQUIRE(done.size() == 1);
    REQUIRE(done[0].tool_calls.size() == 2);
    CHECK(done[0].tool_calls[0] == ToolCall{"x1", "f", R"({"a":1})"});
    CHECK(done[0].tool_calls[1] == ToolCall{"x2", "g", "{}"});
}

TEST_CASE(
    "assembler turns an error object inside the stream into an Error with the right retryable flag",
    "[backends][assembler]") {
    StreamAssembler crashed(Endpoint::chat_completions);
    REQUIRE(crashed.feed(R"({"choices":[{"index":0,"delta":{"content":"par"}}]})", {}).has_value());
    auto r = crashed.feed(R"({"error":{"message":"engine crashed","code":503}})", {});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::backend);
    CHECK(r.error().retryable);
    CHECK(r.error().message.find("engine crashed") != std::string::npos);
    CHECK_FALSE(crashed.feed(R"({"choices":[]})", {}).has_value());  // the error sticks

    StreamAssembler rejected(Endpoint::chat_completions);
    auto bad = rejected.feed(
        R"({"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded"}})",
        {});
    REQUIRE_FALSE(bad.has_value());
    CHECK_FALSE(bad.error().retryable);
}

TEST_CASE("assembler rejects chunks that are not JSON and absurd choice indices",
          "[backends][assembler]") {
    StreamAssembler a(Endpoint::chat_completions);
    auto r = a.feed("{\"choices\":[{\"delta\":", {});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::parse);
    CHECK(r.error().retryable);

    StreamAssembler b(Endpoint::chat_completions);
    CHECK(b.feed(R"({"choices":[{"index":99999999,"delta":{"content":"x"}}]})", {}).error().code ==
          ErrorCode::parse);
}

TEST_CASE("assembler builds legacy completions streams with logprobs across chunks",
          "[backends][assembler]") {
    StreamAssembler a(Endpoint::completions);
    Fed fed;
    feed_all(
        a,
        {R"({"object":"text_completion","choices":[{"index":0,"text":" 4","logprobs":{"tokens":[" 4"],"token_logprobs":[-0.5],"top_logprobs":null},"finish_reason":null}]})",
         R"({"object":"text_completion","choices":[{"index":0,"text":".","logprobs":{"tokens":["."],"token_logprobs":[-0.25]},"finish_reason":"stop"}]})",
         R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1}}})"},
        fed.sink());
    CHECK(a.finished());
    auto done = a.take_completions();
    REQUIRE(done.size() == 1);
    CHECK(done[0].text == " 4.");
    REQUIRE(done[0].logprobs.size() == 2);
    CHECK(done[0].logprobs[1].logprob == -0.25);
    CHECK(*a.usage() == Usage{3, 2, 1});
    CHECK(fed.pieces.size() == 2);
}

TEST_CASE("assembler does not call a stream finished while a choice lacks its finish_reason",
          "[backends][assembler]") {
    StreamAssembler a(Endpoint::chat_completions);
    feed_all(a, {R"({"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"stop"}]})",
                 R"({"choices":[{"index":1,"delta":{"content":"b"}}]})"});
    CHECK_FALSE(a.finished());
    CHECK_FALSE(StreamAssembler(Endpoint::chat_completions).finished());
}

TEST_CASE("assembler keeps the matched stop string of the last chunk, on both parsing paths",
          "[backends][assembler]") {
    StreamAssembler a(Endpoint::completions);
    feed_all(a, {
                    // fast path (plain chunks)
                    R"({"choices":[{"index":0,"text":"x","finish_reason":null}]})",
                    R"({"choices":[{"index":0,"text":"","finish_reason":"stop","stop_reason":"</Path>"}]})",
                    // full parser (logprobs object), SGLang's field
                    R"({"choices":[{"index":1,"text":"y","logprobs":{"tokens":["y"],"token_logprobs":[-0.5]},"finish_reason":"stop","matched_stop":"</Goal>"}]})",
                });
    auto done = a.take_completions();
    REQUIRE(done.size() == 2);
    CHECK(done[0].stop_sequence == "</Path>");
    CHECK(done[1].stop_sequence == "</Goal>");
}

TEST_CASE("assembler joins a UTF-8 character split across events and repairs bytes that form none",
          "[backends][assembler]") {
    // Issue 18, finding 2: such a server used to end the whole run with an internal error.
    StreamAssembler a(Endpoint::completions);
    Fed fed;
    feed_all(a,
             {"{\"choices\":[{\"index\":0,\"text\":\"pay 5 \xe2\x82\"}]}",
              "{\"choices\":[{\"index\":0,\"text\":\"\xac now \xff!\"}]}",
              "{\"choices\":[{\"index\":1,\"text\":\"cut \xf0\x9f\x98\"}]}",
              "{\"choices\":[{\"index\":1,\"text\":\"\",\"finish_reason\":\"length\"}]}",
              "{\"choices\":[{\"index\":0,\"text\":\"\",\"finish_reason\":\"stop\"}]}"},
             fed.sink());
    std::vector<Completion> done = a.take_completions();
    REQUIRE(done.size() == 2);
    CHECK(done[0].text == "pay 5 \xe2\x82\xac now \xef\xbf\xbd!");
    CHECK(done[1].text == "cut \xef\xbf\xbd");  // the stream never finished the emoji
    // The pieces handed out as they arrived are well-formed and add up to the completions.
    std::string delivered[2];
    for (const auto& [choice, piece] : fed.pieces) {
        CHECK(is_valid_utf8(piece));
        delivered[choice] += piece;
    }
    CHECK(delivered[0] == done[0].text);
    CHECK(delivered[1] == done[1].text);
}

TEST_CASE("assembler parses a chunk that is JSON but for bytes that are not UTF-8",
          "[backends][assembler]") {
    // A usage chunk takes the full parser, which refuses such bytes: it is parsed repaired.
    StreamAssembler a(Endpoint::chat_completions);
    feed_all(a, {"{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\xff\"},\"finish_reason\":"
                 "\"stop\"}],"
                 "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1,\"total_tokens\":3}}"});
    REQUIRE(a.usage().has_value());
    CHECK(a.usage()->completion_tokens == 1);
    std::vector<Completion> done = a.take_completions();
    REQUIRE(done.size() == 1);
    CHECK(done[0].text == "a\xef\xbf\xbd");
    // Data that is not JSON at all is still a parse error, and its excerpt is repaired.
    StreamAssembler b(Endpoint::chat_completions);
    auto refused = b.feed("{\"choices\":\xff", {});
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ErrorCode::parse);
    CHECK(is_valid_utf8(refused.error().message));
}
