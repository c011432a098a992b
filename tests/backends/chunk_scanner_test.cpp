// The DOM-free chunk scanner: decoding, the chunks it must hand back to the full parser, and a
// differential check against nlohmann::json over seeded random mutations of real chunks.
#include <random>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "backends/openai_wire/chunk_scanner.hpp"
#include "core/utf8.hpp"

using braid::repair_utf8;
using braid::backends::openai_wire::Endpoint;
using braid::backends::openai_wire::scan_plain_chunk;
using braid::backends::openai_wire::ScannedChunk;

namespace {

constexpr std::size_t max_choices = 1024;

const char* chat_chunk =
    R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m",)"
    R"("system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},)"
    R"("logprobs":null,"finish_reason":null}],"usage":null})";

const char* text_chunk =
    R"({"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[)"
    R"({"index":1,"text":"tok\n","logprobs":null,"finish_reason":"length"}]})";

bool scans(std::string_view data, Endpoint endpoint = Endpoint::chat_completions) {
    ScannedChunk out;
    return scan_plain_chunk(data, endpoint, max_choices, out);
}

// What the full parser makes of a chunk, in the scanner's terms.
struct Expected {
    std::size_t index = 0;
    std::string piece;
    std::string finish_reason;
    std::string stop_sequence;
};

std::string string_or_empty(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::vector<Expected> expected_from_dom(const nlohmann::json& j, Endpoint endpoint) {
    std::vector<Expected> out;
    for (const auto& c : j.at("choices")) {
        Expected e;
        if (c.contains("index")) e.index = c["index"].get<std::size_t>();
        if (endpoint == Endpoint::chat_completions) {
            if (c.contains("delta") && c["delta"].is_object())
                e.piece = string_or_empty(c["delta"], "content");
        } else {
            e.piece = string_or_empty(c, "text");
        }
        e.finish_reason = string_or_empty(c, "finish_reason");
        e.stop_sequence = string_or_empty(c, "stop_reason");
        if (e.stop_sequence.empty()) e.stop_sequence = string_or_empty(c, "matched_stop");
        out.push_back(e);
    }
    return out;
}

}  // namespace

TEST_CASE("chunk scanner reads chat and legacy text chunks", "[openai][scanner]") {
    ScannedChunk out;
    REQUIRE(scan_plain_chunk(chat_chunk, Endpoint::chat_completions, max_choices, out));
    REQUIRE(out.count == 1);
    CHECK(out.choices[0].index == 0);
    CHECK(out.choices[0].piece == "Hi");
    CHECK(out.choices[0].finish_reason.empty());

    REQUIRE(scan_plain_chunk(text_chunk, Endpoint::completions, max_choices, out));
    REQUIRE(out.count == 1);
    CHECK(out.choices[0].index == 1);
    CHECK(out.choices[0].piece == "tok\n");
    CHECK(out.choices[0].finish_reason == "length");

    // In chat mode a legacy `text` field is not the piece, and vice versa.
    REQUIRE(scan_plain_chunk(text_chunk, Endpoint::chat_completions, max_choices, out));
    CHECK(out.choices[0].piece.empty());
}

TEST_CASE("chunk scanner decodes escapes, surrogate pairs and raw UTF-8", "[openai][scanner]") {
    ScannedChunk out;
    std::string chunk =
        R"({"choices":[{"delta":{"content":"a\"b\\c\/d\b\f\n\r\t \u00e9\u20ac\ud83d\ude00 )"
        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
        R"("}}]})";
    REQUIRE(scan_plain_chunk(chunk, Endpoint::chat_completions, max_choices, out));
    REQUIRE(out.count == 1);
    CHECK(out.choices[0].piece ==
          "a\"b\\c/d\b\f\n\r\t \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 "
          "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK(out.choices[0].piece == nlohmann::json::parse(chunk)["choices"][0]["delta"]["content"]);
}

TEST_CASE("chunk scanner hands everything else to the full parser", "[openai][scanner]") {
    // Fields the fast path does not handle.
    CHECK_FALSE(scans(R"({"choices":[{"delta":{"tool_calls":[{"index":0}]}}]})"));
    CHECK_FALSE(scans(R"({"choices":[{"delta":{"content":"x"},"logprobs":{"content":[]}}]})"));
    CHECK_FALSE(scans(R"({"choices":[],"usage":{"prompt_tokens":1}})"));
    CHECK_FALSE(scans(R"({"error":{"message":"overloaded"}})"));
    // Index forms the full parser treats differently, and out-of-range indices.
    CHECK_FALSE(scans(R"({"choices":[{"index":1.0,"delta":{}}]})"));
    CHECK_FALSE(scans(R"({"choices":[{"index":"1","delta":{}}]})"));
    CHECK_FALSE(scans(R"({"choices":[{"index":-1,"delta":{}}]})"));
    CHECK_FALSE(scans(R"({"choices":[{"index":1024,"delta":{}}]})"));
    // Repeated keys it reads, escaped keys, non-object choices, wrong types.
    CHECK_FALSE(scans(R"({"choices":[{"delta":{"content":"a","content":"b"}}]})"));
    CHECK_FALSE(scans(R"({"choices":[],"choices":[]})"));
    CHECK_FALSE(scans(R"({"ch\u006fices":[]})"));
    CHECK_FALSE(scans(R"({"choices":[1]})"));
    CHECK_FALSE(scans(R"({"choices":[{"delta":{"content":7}}]})"));
    // Invalid JSON of every kind.
    CHECK_FALSE(scans(R"({"choices":[],})"));
    CHECK_FALSE(scans(R"({"choices":[]} x)"));
    CHECK_FALSE(scans(R"({"a":01,"choices":[]})"));
    CHECK_FALSE(scans(R"({"a":tru,"choices":[]})"));
    CHECK_FALSE(scans(R"({"a":1e8009,"choices":[]})"));  // overflows a double: a parse error
    CHECK_FALSE(scans(R"({"choices":[{"delta":{"content":"\ud83d"}}]})"));
    CHECK_FALSE(scans(R"({"choices":[{"delta":{"content":"\ude00"}}]})"));
    CHECK_FALSE(scans("{\"choices\":[{\"delta\":{\"content\":\"a\x01\"}}]}"));
    CHECK_FALSE(scans(R"({"choices":[{"delta":{"content":"abc)"));
    CHECK_FALSE(scans(std::string(200, '[')));
    CHECK_FALSE(scans(""));
    // Unknown fields of any shape are skipped.
    CHECK(scans(R"({"x":{"y":[1,-2.5e+3,true,false,null,"s",{}]},"choices":[]})"));
    CHECK(scans(R"({})"));
}

TEST_CASE("chunk scanner keeps bytes that are not UTF-8 raw in string values only",
          "[openai][scanner]") {
    ScannedChunk out;
    // A character split across two events: each half is kept as sent.
    REQUIRE(scan_plain_chunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\xe2\x82\"}}]}",
                             Endpoint::chat_completions, max_choices, out));
    CHECK(out.choices[0].piece == "a\xe2\x82");
    REQUIRE(scan_plain_chunk("{\"model\":\"\xff\",\"choices\":[{\"index\":0,\"text\":\"\xac!\"}]}",
                             Endpoint::completions, max_choices, out));
    CHECK(out.choices[0].piece == "\xac!");
    // An overlong, an encoded surrogate, a code point past U+10FFFF: kept raw too.
    for (const char* raw : {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
        REQUIRE(scan_plain_chunk(
            "{\"choices\":[{\"delta\":{\"content\":\"" + std::string(raw) + "\"}}]}",
            Endpoint::chat_completions, max_choices, out));
        CHECK(out.choices[0].piece == raw);
    }
    // Outside string values, or in a key, such a byte is not JSON: the full parser decides.
    CHECK_FALSE(scans("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\xff"));
    CHECK_FALSE(scans("{\"\xff\":1,\"choices\":[]}"));
}

TEST_CASE("chunk scanner agrees with nlohmann::json on random mutations of real chunks",
          "[openai][scanner]") {
    std::mt19937 rng(20261122);
    const std::vector<std::pair<std::string, Endpoint>> seeds = {
        {chat_chunk, Endpoint::chat_completions},
        {text_chunk, Endpoint::completions},
        {R"({"choices":[{"index":0,"delta":{"content":"\u00e9\n"}},{"index":2,"delta":{},)"
         R"("finish_reason":"stop"}]})",
         Endpoint::chat_completions},
        {R"({"choices":[{"index":0,"text":"","finish_reason":"stop","stop_reason":"</Path>"}]})",
         Endpoint::completions},
        {R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop","matched_stop":"\n\n",)"
         R"("stop_reason":null}]})",
         Endpoint::chat_completions},
        {R"({"choices":[{"index":0,"text":"x","finish_reason":"stop","stop_reason":128009}]})",
         Endpoint::completions},
    };
    const std::string alphabet = "{}[]\":,\\u0123456789abcdefnrtl.-+eE \x01\x7f\xc3\xa9\xed\xf0";
    int fast = 0, fallback = 0;
    for (int round = 0; round < 20000; ++round) {
        auto [data, endpoint] = seeds[rng() % seeds.size()];
        int edits = 1 + static_cast<int>(rng() % 3);
        for (int e = 0; e < edits && !data.empty(); ++e) {
            std::size_t at = rng() % data.size();
            char c = alphabet[rng() % alphabet.size()];
            switch (rng() % 3) {
                case 0:
                    data[at] = c;
                    break;
                case 1:
                    data.insert(data.begin() + static_cast<std::ptrdiff_t>(at), c);
                    break;
                default:
                    data.erase(at, 1);
                    break;
            }
        }
        ScannedChunk out;
        bool ok = scan_plain_chunk(data, endpoint, max_choices, out);
        nlohmann::json dom = nlohmann::json::parse(data, nullptr, false);
        if (dom.is_discarded()) dom = nlohmann::json::parse(repair_utf8(data), nullptr, false);
        if (!ok) {
            ++fallback;
            continue;
        }
        ++fast;
        INFO("chunk: " << data);
        REQUIRE_FALSE(dom.is_discarded());
        REQUIRE(dom.is_object());
        std::vector<Expected> want =
            dom.contains("choices") ? expected_from_dom(dom, endpoint) : std::vector<Expected>{};
        REQUIRE(out.count == want.size());
        for (std::size_t i = 0; i < want.size(); ++i) {
            CHECK(out.choices[i].index == want[i].index);
            CHECK(repair_utf8(out.choices[i].piece) == want[i].piece);
            CHECK(repair_utf8(out.choices[i].finish_reason) == want[i].finish_reason);
            CHECK(repair_utf8(out.choices[i].stop_sequence) == want[i].stop_sequence);
        }
    }
    // Both outcomes must be exercised, or the comparison proves nothing.
    CHECK(fast > 1000);
    CHECK(fallback > 1000);
}

TEST_CASE("chunk scanner reads the matched stop string of vLLM and SGLang", "[openai][scanner]") {
    ScannedChunk out;
    REQUIRE(scan_plain_chunk(
        R"({"choices":[{"index":0,"text":"","finish_reason":"stop","stop_reason":"</Path>"}]})",
        Endpoint::completions, max_choices, out));
    CHECK(out.choices[0].stop_sequence == "</Path>");
    REQUIRE(scan_plain_chunk(
        R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop","matched_stop":"</Goal>"}]})",
        Endpoint::chat_completions, max_choices, out));
    CHECK(out.choices[0].stop_sequence == "</Goal>");
    // A token id (vLLM's int stop_reason) or null is no stop string; buffers do not leak across
    // chunks.
    REQUIRE(scan_plain_chunk(
        R"({"choices":[{"index":0,"text":"","finish_reason":"stop","stop_reason":151645,)"
        R"("matched_stop":null}]})",
        Endpoint::completions, max_choices, out));
    CHECK(out.choices[0].stop_sequence.empty());
    CHECK_FALSE(scans(R"({"choices":[{"stop_reason":"a","stop_reason":"b"}]})"));
}
