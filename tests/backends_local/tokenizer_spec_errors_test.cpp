// Tokenizer::create rejects malformed specs with invalid_input errors that say what is wrong.
#include <catch2/catch.hpp>

#include <cstdio>

#include "backends/local/tokenizer/byte_unicode.hpp"
#include "backends/local/tokenizer/tokenizer.hpp"

namespace local = braid::backends::local;

namespace {

// 256 byte tokens, "ab", and two control tokens: a minimal valid byte-level BPE spec.
local::TokenizerSpec bpe_spec() {
    local::TokenizerSpec spec;
    spec.kind = local::TokenizerKind::byte_level_bpe;
    for (int b = 0; b < 256; ++b) spec.tokens.push_back(local::bytes_to_byte_level(std::string(1, static_cast<char>(b))));
    spec.tokens.push_back("ab");                  // 256
    spec.tokens.push_back("<|begin_of_text|>");  // 257
    spec.tokens.push_back("<|eot_id|>");         // 258
    spec.types.assign(spec.tokens.size(), local::TokenType::normal);
    spec.types[257] = spec.types[258] = local::TokenType::control;
    spec.merges = {"a b"};
    spec.bos_id = 257;
    spec.add_bos = true;
    return spec;
}

local::TokenizerSpec spm_spec() {
    local::TokenizerSpec spec;
    spec.kind = local::TokenizerKind::sentencepiece;
    spec.tokens = {"<unk>", "<s>", "▁a"};
    spec.types = {local::TokenType::unknown, local::TokenType::control, local::TokenType::normal};
    spec.scores = {0.0f, 0.0f, -1.0f};
    spec.unknown_id = 0;
    spec.bos_id = 1;
    return spec;
}

void check_rejected(local::TokenizerSpec spec, const std::string& words) {
    auto t = local::Tokenizer::create(std::move(spec));
    REQUIRE_FALSE(t.has_value());
    CHECK(t.error().code == braid::ErrorCode::invalid_input);
    CHECK_THAT(t.error().message, Catch::Matchers::Contains(words));
}

}  // namespace

TEST_CASE("the minimal specs are valid", "[backends][tokenizer]") {
    auto bpe = local::Tokenizer::create(bpe_spec());
    REQUIRE(bpe.has_value());
    CHECK(bpe->encode("ab") == std::vector<std::int32_t>{257, 256});
    CHECK(bpe->eot_id() == 258);  // found by its text
    CHECK(bpe->is_end_of_generation(258));
    CHECK(bpe->vocab_size() == 259);
    CHECK(bpe->token_text(256) == "ab");
    REQUIRE(local::Tokenizer::create(spm_spec()).has_value());
}

TEST_CASE("malformed tokenizer specs are rejected", "[backends][tokenizer]") {
    SECTION("no tokens") { check_rejected(local::TokenizerSpec{}, "no tokens"); }
    SECTION("types of the wrong length") {
        auto spec = bpe_spec();
        spec.types.pop_back();
        check_rejected(std::move(spec), "token types");
    }
    SECTION("scores of the wrong length") {
        auto spec = spm_spec();
        spec.scores.pop_back();
        check_rejected(std::move(spec), "scores");
    }
    SECTION("a special id outside the vocabulary") {
        auto spec = bpe_spec();
        spec.eos_id = 259;
        check_rejected(std::move(spec), "eos id 259");
    }
    SECTION("add_bos without a bos id") {
        auto spec = bpe_spec();
        spec.bos_id.reset();
        check_rejected(std::move(spec), "no bos id");
    }
    SECTION("an empty normal token") {
        auto spec = bpe_spec();
        spec.tokens[256].clear();
        check_rejected(std::move(spec), "token 256 is empty");
    }
    SECTION("a byte without its token") {
        auto spec = bpe_spec();
        spec.types[7] = local::TokenType::unused;
        check_rejected(std::move(spec), "no token for byte 7");
    }
    SECTION("a merge naming an unknown token") {
        auto spec = bpe_spec();
        spec.merges.push_back("ab c");
        check_rejected(std::move(spec), "not in the vocabulary");
    }
    SECTION("a merge line without two parts") {
        auto spec = bpe_spec();
        spec.merges.push_back("ab");
        check_rejected(std::move(spec), "is not \"left right\"");
    }
    SECTION("sentencepiece without scores") {
        auto spec = spm_spec();
        spec.scores.clear();
        check_rejected(std::move(spec), "one score per token");
    }
    SECTION("sentencepiece with neither byte tokens nor an unknown token") {
        auto spec = spm_spec();
        spec.unknown_id.reset();
        check_rejected(std::move(spec), "neither byte tokens nor an unknown token");
    }
    SECTION("sentencepiece with some byte tokens missing") {
        auto spec = spm_spec();
        spec.tokens.push_back("<0x41>");
        spec.types.push_back(local::TokenType::byte);
        spec.scores.push_back(0.0f);
        check_rejected(std::move(spec), "needs all 256");
    }
    SECTION("sentencepiece with a malformed byte token") {
        auto spec = spm_spec();
        spec.tokens.push_back("<0xZZ>");
        spec.types.push_back(local::TokenType::byte);
        spec.scores.push_back(0.0f);
        check_rejected(std::move(spec), "is not <0xHH>");
    }
}

TEST_CASE("user-defined tokens are matched in text even without parse_special", "[backends][tokenizer]") {
    auto spec = bpe_spec();
    spec.tokens.push_back("<tool_call>");  // 259
    spec.types.push_back(local::TokenType::user_defined);
    auto t = local::Tokenizer::create(std::move(spec));
    REQUIRE(t.has_value());
    const auto ids = t->encode("ab<tool_call>ab", {.add_special = false, .parse_special = false});
    CHECK(ids == std::vector<std::int32_t>{256, 259, 256});
    CHECK(t->decode(ids) == "ab<tool_call>ab");  // user-defined tokens render without render_special
    CHECK(t->encode("<|eot_id|>", {.add_special = false}).size() > 1);
    CHECK(t->encode("<|eot_id|>", {.add_special = false, .parse_special = true}) == std::vector<std::int32_t>{258});
}
