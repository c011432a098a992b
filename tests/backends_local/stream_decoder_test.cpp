// StreamDecoder: pieces are whole UTF-8 characters and add up to decode().
#include <catch2/catch.hpp>

#include "backends/local/tokenizer/stream_decoder.hpp"
#include "backends/local/tokenizer/unicode.hpp"
#include "tests/backends_local/tokenizer_fixtures.hpp"

namespace local = braid::backends::local;
namespace fx = braid::test::tokenizer;

namespace {

local::Tokenizer make_spm() {
    local::TokenizerSpec spec;
    spec.kind = local::TokenizerKind::sentencepiece;
    auto add = [&](std::string text, local::TokenType type, float score = 0.0f) {
        spec.tokens.push_back(std::move(text));
        spec.types.push_back(type);
        spec.scores.push_back(score);
    };
    add("<unk>", local::TokenType::unknown);
    add("<s>", local::TokenType::control);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        add(name, local::TokenType::byte);
    }
    add("▁hi", local::TokenType::normal, -1.0f);  // id 258
    add("▁", local::TokenType::normal, -2.0f);    // id 259
    add("h", local::TokenType::normal, -3.0f);    // id 260
    add("i", local::TokenType::normal, -3.0f);    // id 261
    spec.bos_id = 1;
    spec.unknown_id = 0;
    spec.add_bos = true;
    auto t = local::Tokenizer::create(std::move(spec));
    REQUIRE(t.has_value());
    return std::move(t).value();
}
constexpr std::int32_t byte_id(int b) { return 2 + b; }

bool is_well_formed(const std::string& s) {
    return braid::repair_utf8(s) == s;
}

}  // namespace

TEST_CASE("streamed byte-level BPE text never splits a character and equals decode()", "[backends][tokenizer]") {
    auto made = local::Tokenizer::create(fx::cl100k_spec(local::PreTokenizer::llama3, false));
    REQUIRE(made.has_value());
    const local::Tokenizer& t = *made;
    std::mt19937 rng(7);
    int held_back = 0;  // feeds that returned nothing although the token had bytes
    for (int i = 0; i < 200; ++i) {
        const std::string text = fx::random_text(rng, 1 + static_cast<int>(rng() % 40));
        const auto ids = t.encode(text, {.add_special = false});
        local::StreamDecoder stream(t);
        std::string joined;
        for (std::int32_t id : ids) {
            const std::string piece = stream.feed(id);
            CHECK(is_well_formed(piece));
            const std::int32_t one[] = {id};
            if (piece.empty() && !t.decode(one).empty()) ++held_back;
            joined += piece;
        }
        joined += stream.finish();
        CHECK(joined == text);
        CHECK(joined == t.decode(ids));
    }
    CHECK(held_back > 0);  // the corpus did exercise characters split across tokens
}

TEST_CASE("streamed sentencepiece byte tokens wait for the whole character", "[backends][tokenizer]") {
    const auto t = make_spm();
    local::StreamDecoder stream(t);
    CHECK(stream.feed(1).empty());           // BOS renders nothing
    CHECK(stream.feed(258) == "hi");         // the prefixed space is dropped
    CHECK(stream.feed(byte_id(0x20)) == " ");
    CHECK(stream.feed(byte_id(0xE2)).empty());
    CHECK(stream.feed(byte_id(0x82)).empty());
    CHECK(stream.feed(byte_id(0xAC)) == "€");
    CHECK(stream.finish().empty());
}

TEST_CASE("a continuation stream keeps the leading space", "[backends][tokenizer]") {
    const auto t = make_spm();
    local::StreamDecoder stream(t, {.remove_space_prefix = false});
    CHECK(stream.feed(258) == " hi");
}

TEST_CASE("ill-formed bytes become U+FFFD at once and an unfinished character at finish()", "[backends][tokenizer]") {
    const auto t = make_spm();
    local::StreamDecoder stream(t);
    CHECK(stream.feed(byte_id(0xFF)) == "\xEF\xBF\xBD");
    CHECK(stream.feed(byte_id(0xE2)).empty());
    CHECK(stream.feed(byte_id('A')) == "\xEF\xBF\xBD" "A");  // E2 then 'A': the E2 was ill-formed
    CHECK(stream.feed(byte_id(0xF0)).empty());
    CHECK(stream.feed(byte_id(0x9F)).empty());
    CHECK(stream.finish() == "\xEF\xBF\xBD");
    const std::int32_t ids[] = {byte_id(0xFF), byte_id(0xE2), byte_id('A'), byte_id(0xF0), byte_id(0x9F)};
    CHECK(braid::repair_utf8(t.decode(ids)) ==
          "\xEF\xBF\xBD\xEF\xBF\xBD"
          "A\xEF\xBF\xBD");
    // Reusable after finish(): the space rule starts over.
    CHECK(stream.feed(258) == "hi");
}

TEST_CASE("UTF-8 decoding rejects overlongs, surrogates and values past U+10FFFF", "[backends][tokenizer]") {
    for (std::string bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80"}) {
        INFO("bytes of length " << bad.size());
        CHECK(braid::decode_utf8(bad, 0).status == braid::Utf8Status::invalid);
    }
    CHECK(braid::decode_utf8("\xF0\x9F\x98", 0).status == braid::Utf8Status::truncated);
    const auto ok = braid::decode_utf8("\xF0\x9F\x98\x80", 0);
    CHECK(ok.status == braid::Utf8Status::ok);
    CHECK(ok.code_point == U'\U0001F600');
    CHECK(ok.length == 4);
}
