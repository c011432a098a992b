// SentencePiece-style tokenizer on a hand-built vocabulary with known segmentations.
#include <catch2/catch.hpp>

#include <cstdio>

#include "backends/local/tokenizer/tokenizer.hpp"
#include "tests/backends_local/tokenizer_fixtures.hpp"

namespace local = braid::backends::local;

namespace {

// Ids: 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, then the pieces below in order.
const std::vector<std::pair<std::string, float>> pieces = {
    {"▁", -10.0f}, {"h", -5.0f}, {"e", -5.0f}, {"l", -5.0f}, {"o", -5.0f}, {"w", -5.0f}, {"r", -5.0f},
    {"d", -5.0f}, {"he", -3.0f}, {"ll", -2.0f}, {"llo", -1.5f}, {"hello", -1.0f}, {"▁hello", -0.5f},
    {"▁w", -4.0f}, {"or", -3.5f}, {"▁wor", -2.5f}, {"ld", -3.0f}, {"▁world", -0.8f}, {"日", -6.0f}};
constexpr std::int32_t first_piece = 259;

std::int32_t id_of(const std::string& piece) {
    for (std::size_t i = 0; i < pieces.size(); ++i)
        if (pieces[i].first == piece) return first_piece + static_cast<std::int32_t>(i);
    FAIL("no piece " << piece);
    return -1;
}
std::int32_t byte_id(int byte) { return 3 + byte; }

local::TokenizerSpec spm_spec(bool byte_fallback = true) {
    local::TokenizerSpec spec;
    spec.kind = local::TokenizerKind::sentencepiece;
    auto add = [&](std::string text, float score, local::TokenType type) {
        spec.tokens.push_back(std::move(text));
        spec.scores.push_back(score);
        spec.types.push_back(type);
    };
    add("<unk>", 0.0f, local::TokenType::unknown);
    add("<s>", 0.0f, local::TokenType::control);
    add("</s>", 0.0f, local::TokenType::control);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        add(name, 0.0f, byte_fallback ? local::TokenType::byte : local::TokenType::unused);
    }
    for (const auto& [text, score] : pieces) add(text, score, local::TokenType::normal);
    spec.unknown_id = 0;
    spec.bos_id = 1;
    spec.eos_id = 2;
    spec.add_bos = true;
    spec.add_space_prefix = true;
    return spec;
}

local::Tokenizer make(local::TokenizerSpec spec) {
    auto t = local::Tokenizer::create(std::move(spec));
    REQUIRE(t.has_value());
    return std::move(t).value();
}

using Ids = std::vector<std::int32_t>;
constexpr local::EncodeOptions plain{.add_special = false, .parse_special = false};

}  // namespace

TEST_CASE("sentencepiece merges the highest-scoring pair first", "[backends][tokenizer]") {
    const auto t = make(spm_spec());
    CHECK(t.encode("hello world") == Ids{1, id_of("▁hello"), id_of("▁world")});
    CHECK(t.encode("hello world", plain) == Ids{id_of("▁hello"), id_of("▁world")});
    CHECK(t.encode("hello  world", plain) == Ids{id_of("▁hello"), id_of("▁"), id_of("▁world")});
    CHECK(t.encode("held", plain) == Ids{id_of("▁"), id_of("he"), id_of("ld")});
}

TEST_CASE("sentencepiece breaks score ties to the leftmost pair", "[backends][tokenizer]") {
    const auto t = make(spm_spec());
    CHECK(t.encode("lll", plain) == Ids{id_of("▁"), id_of("ll"), id_of("l")});
}

TEST_CASE("sentencepiece without add_space_prefix does not prepend ▁", "[backends][tokenizer]") {
    auto spec = spm_spec();
    spec.add_space_prefix = false;
    const auto t = make(std::move(spec));
    CHECK(t.encode("hello", plain) == Ids{id_of("hello")});
    CHECK(t.decode(t.encode("hello world", plain)) == "hello world");
}

TEST_CASE("sentencepiece falls back to byte tokens for characters outside the vocabulary", "[backends][tokenizer]") {
    const auto t = make(spm_spec());
    CHECK(t.encode("hé", plain) == Ids{id_of("▁"), id_of("h"), byte_id(0xC3), byte_id(0xA9)});
    CHECK(t.encode("日本", plain) == Ids{id_of("▁"), id_of("日"), byte_id(0xE6), byte_id(0x9C), byte_id(0xAC)});
    CHECK(t.decode(t.encode("hé 日本")) == "hé 日本");
}

TEST_CASE("sentencepiece without byte tokens emits the unknown token per unknown character", "[backends][tokenizer]") {
    const auto t = make(spm_spec(false));
    CHECK(t.encode("hé", plain) == Ids{id_of("▁"), id_of("h"), 0});
    CHECK(t.decode(t.encode("hé", plain)) == "h");
    CHECK(t.decode(t.encode("hé", plain), {.render_special = true}) == "h<unk>");
}

TEST_CASE("sentencepiece decode drops the prefixed space and renders control tokens on request", "[backends][tokenizer]") {
    const auto t = make(spm_spec());
    const Ids ids = t.encode("<s>hello</s>world", {.add_special = true, .parse_special = true});
    CHECK(ids == Ids{1, 1, id_of("▁hello"), 2, id_of("▁world")});
    CHECK(t.decode(ids) == "helloworld");
    CHECK(t.decode(ids, {.render_special = true}) == "<s><s>hello</s>world");
    CHECK(t.decode(ids, {.remove_space_prefix = false}) == " hello world");
    CHECK(t.is_end_of_generation(2));
    CHECK_FALSE(t.is_end_of_generation(1));
}

TEST_CASE("sentencepiece round-trips random UTF-8 text", "[backends][tokenizer]") {
    const auto t = make(spm_spec());
    std::mt19937 rng(99);
    for (int i = 0; i < 300; ++i) {
        // "▁" is SentencePiece's escaped space: a literal one comes back as a space, as in
        // sentencepiece itself, so the round trip holds for text without it.
        const std::string raw = braid::test::tokenizer::random_text(rng, 1 + static_cast<int>(rng() % 50));
        std::string text;
        for (std::size_t pos = 0; pos < raw.size();) {
            const bool escape = raw.compare(pos, 3, "▁") == 0;
            text += escape ? std::string_view("_") : std::string_view(raw).substr(pos, 1);
            pos += escape ? 3 : 1;
        }
        INFO("text: " << text);
        CHECK(t.decode(t.encode(text)) == text);
        CHECK(t.decode(t.encode(text, {.add_special = true, .parse_special = true})) == text);
    }
}
