// Byte-level BPE against js-tiktoken cl100k_base (fixtures in tokenizer_data/), the pre-tokenizer
// patterns, special tokens and round trips.
#include <catch2/catch.hpp>

#include "backends/local/tokenizer/byte_unicode.hpp"
#include "backends/local/tokenizer/pre_tokenizer.hpp"
#include "backends/local/tokenizer/tokenizer.hpp"
#include "tests/backends_local/tokenizer_fixtures.hpp"

namespace local = braid::backends::local;
namespace fx = braid::test::tokenizer;

namespace {

const std::vector<fx::CorpusEntry>& corpus() {
    static const std::vector<fx::CorpusEntry> entries = fx::load_cl100k_corpus();
    return entries;
}

local::Tokenizer make(local::PreTokenizer pre, bool with_merges) {
    auto t = local::Tokenizer::create(fx::cl100k_spec(pre, with_merges));
    REQUIRE(t.has_value());
    return std::move(t).value();
}

std::vector<std::string> split(std::string_view text, local::PreTokenizer pre) {
    std::vector<std::string_view> views;
    local::pre_tokenize(text, pre, views);
    return {views.begin(), views.end()};
}

constexpr local::EncodeOptions plain{.add_special = false, .parse_special = false};

}  // namespace

TEST_CASE("the GPT-2 byte map sends printable bytes to themselves and the rest past U+0100", "[backends][tokenizer]") {
    CHECK(local::byte_to_unicode('A') == U'A');
    CHECK(local::byte_to_unicode(' ') == U'\u0120');   // Ġ
    CHECK(local::byte_to_unicode('\n') == U'\u010A');  // Ċ
    CHECK(local::byte_to_unicode(0xAD) == U'\u0143');  // the last of the 68 remapped bytes
    for (int b = 0; b < 256; ++b) CHECK(local::unicode_to_byte(local::byte_to_unicode(static_cast<std::uint8_t>(b))) == b);
    std::string all;
    for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
    CHECK(local::byte_level_to_bytes(local::bytes_to_byte_level(all)) == all);
    CHECK(local::bytes_to_byte_level(" hello\n") == "\xC4\xA0hello\xC4\x8A");
}

TEST_CASE("the llama3 pre-tokenizer splits the corpus exactly as the JS regex does", "[backends][tokenizer]") {
    for (const auto& entry : corpus()) {
        INFO("text: " << entry.text);
        CHECK(split(entry.text, local::PreTokenizer::llama3) == entry.pieces);
    }
}

TEST_CASE("the pre-tokenizer handles contractions, whitespace look-ahead and newlines", "[backends][tokenizer]") {
    using V = std::vector<std::string>;
    const auto l3 = local::PreTokenizer::llama3;
    CHECK(split("I'm YOU'RE we'Ll 'x", l3) == V{"I", "'m", " YOU", "'RE", " we", "'Ll", " '", "x"});
    CHECK(split("a   b", l3) == V{"a", "  ", " b"});
    CHECK(split("a   ", l3) == V{"a", "   "});
    CHECK(split("a \n\n b", l3) == V{"a", " \n\n", " b"});
    CHECK(split("x!!\n\ny", l3) == V{"x", "!!\n\n", "y"});
    CHECK(split(" 1 +2", l3) == V{" ", "1", " +", "2"});
    CHECK(split("\tword\n\tword", l3) == V{"\tword", "\n", "\tword"});
}

TEST_CASE("digits group in threes for llama3 and stand alone for qwen2", "[backends][tokenizer]") {
    using V = std::vector<std::string>;
    CHECK(split("1234567", local::PreTokenizer::llama3) == V{"123", "456", "7"});
    CHECK(split("1234567", local::PreTokenizer::qwen2) == V{"1", "2", "3", "4", "5", "6", "7"});
    CHECK(split("x²12", local::PreTokenizer::llama3) == V{"x", "²12"});  // ² is \p{N} (No)
    CHECK(split("x²12", local::PreTokenizer::qwen2) == V{"x", "²", "1", "2"});

    const auto llama3 = make(local::PreTokenizer::llama3, false);
    const auto qwen2 = make(local::PreTokenizer::qwen2, false);
    auto texts = [](const local::Tokenizer& t, std::string_view text) {
        std::vector<std::string> out;
        for (std::int32_t id : t.encode(text, plain)) out.emplace_back(t.token_text(id));
        return out;
    };
    CHECK(texts(llama3, "1234567") == V{"123", "456", "7"});  // every 1-3 digit string is a cl100k token
    CHECK(texts(qwen2, "1234567") == V{"1", "2", "3", "4", "5", "6", "7"});
}

TEST_CASE("rank-mode BPE encodes the corpus exactly as js-tiktoken cl100k_base", "[backends][tokenizer]") {
    const auto llama3 = make(local::PreTokenizer::llama3, false);
    const auto qwen2 = make(local::PreTokenizer::qwen2, false);
    for (const auto& entry : corpus()) {
        INFO("text: " << entry.text);
        CHECK(llama3.encode(entry.text, plain) == entry.llama3);
        CHECK(qwen2.encode(entry.text, plain) == entry.qwen2);
    }
}

TEST_CASE("merges-mode BPE matches js-tiktoken on the corpus", "[backends][tokenizer]") {
    const auto llama3 = make(local::PreTokenizer::llama3, true);
    const auto qwen2 = make(local::PreTokenizer::qwen2, true);  // no ignore_merges for qwen2
    for (const auto& entry : corpus()) {
        INFO("text: " << entry.text);
        CHECK(llama3.encode(entry.text, plain) == entry.llama3);
        CHECK(qwen2.encode(entry.text, plain) == entry.qwen2);
    }
}

TEST_CASE("control tokens are split out only when parse_special is set", "[backends][tokenizer]") {
    const auto t = make(local::PreTokenizer::llama3, false);
    const std::string text = "a<|endoftext|>b";
    const auto parsed = t.encode(text, {.add_special = false, .parse_special = true});
    REQUIRE(parsed.size() == 3);
    CHECK(parsed[1] == fx::cl100k_endoftext);
    const auto literal = t.encode(text, plain);
    CHECK(std::find(literal.begin(), literal.end(), fx::cl100k_endoftext) == literal.end());
    CHECK(t.decode(literal) == text);
    CHECK(t.decode(parsed) == "ab");
    CHECK(t.decode(parsed, {.render_special = true}) == text);
    CHECK(t.is_end_of_generation(fx::cl100k_endoftext));
    CHECK_FALSE(t.is_end_of_generation(fx::cl100k_endofprompt));
    CHECK_FALSE(t.is_end_of_generation(parsed[0]));
}

TEST_CASE("add_special puts BOS before and EOS after the text as the spec says", "[backends][tokenizer]") {
    auto spec = fx::cl100k_spec(local::PreTokenizer::llama3, false);
    spec.bos_id = fx::cl100k_endofprompt;
    spec.add_bos = true;
    spec.add_eos = true;
    auto t = local::Tokenizer::create(std::move(spec));
    REQUIRE(t.has_value());
    const auto ids = t->encode("hi", {.add_special = true});
    REQUIRE(ids.size() == 3);
    CHECK(ids.front() == fx::cl100k_endofprompt);
    CHECK(ids.back() == fx::cl100k_endoftext);
    CHECK(t->encode("hi", plain).size() == 1);
    CHECK(t->encode("", {.add_special = true}).size() == 2);
}

TEST_CASE("byte-level BPE round-trips random UTF-8 and arbitrary bytes", "[backends][tokenizer]") {
    const auto llama3 = make(local::PreTokenizer::llama3, true);
    const auto qwen2 = make(local::PreTokenizer::qwen2, false);
    std::mt19937 rng(1234);
    for (int i = 0; i < 300; ++i) {
        const std::string text = fx::random_text(rng, 1 + static_cast<int>(rng() % 60));
        INFO("text: " << text);
        CHECK(llama3.decode(llama3.encode(text, plain)) == text);
        CHECK(qwen2.decode(qwen2.encode(text, plain)) == text);
    }
    for (int i = 0; i < 100; ++i) {
        std::string bytes(rng() % 40, '\0');
        for (auto& c : bytes) c = static_cast<char>(rng() & 0xFF);
        CHECK(llama3.decode(llama3.encode(bytes, plain)) == bytes);
    }
}

TEST_CASE("llama3 emits a pre-token that is a vocabulary entry whole (ignore_merges); qwen2 merges it", "[backends][tokenizer]") {
    local::TokenizerSpec spec;
    for (int b = 0; b < 256; ++b) spec.tokens.push_back(local::bytes_to_byte_level(std::string(1, static_cast<char>(b))));
    spec.tokens.push_back("ab");   // 256
    spec.tokens.push_back("abc");  // 257: no merge reaches it
    spec.merges = {"a b"};
    spec.pre = local::PreTokenizer::llama3;
    auto llama3 = local::Tokenizer::create(spec);
    spec.pre = local::PreTokenizer::qwen2;
    auto qwen2 = local::Tokenizer::create(spec);
    REQUIRE(llama3.has_value());
    REQUIRE(qwen2.has_value());
    CHECK(llama3->encode("abc", plain) == std::vector<std::int32_t>{257});
    CHECK(qwen2->encode("abc", plain) == std::vector<std::int32_t>{256, 'c'});
    CHECK(llama3->encode("abcab", plain) == std::vector<std::int32_t>{256, 'c', 256});
}
