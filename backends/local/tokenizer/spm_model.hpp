#pragma once
// SentencePiece-style segmentation (engine.md §2.3): characters merge pairwise, the pair whose
// concatenation is the vocabulary piece with the highest score first (ties: leftmost), until no
// adjacent pair forms a piece. A final symbol that is not a piece (a character outside the
// vocabulary) becomes its UTF-8 bytes as <0xXX> tokens, or the unknown token when the vocabulary
// has no byte tokens.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "backends/local/tokenizer/string_hash.hpp"
#include "backends/local/tokenizer/tokenizer_spec.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

class SpmModel {
public:
    // `pieces[id]` in the vocabulary's form ("▁" for spaces). Only normal tokens are pieces
    // (user-defined and control tokens come from the special-token partition); byte tokens must
    // read "<0xHH>".
    // Errors (invalid_input): scores missing, a malformed or duplicate byte token, some but not
    // all 256 byte tokens, or neither byte tokens nor an unknown token.
    static Result<SpmModel> create(const std::vector<std::string>& pieces,
                                   const std::vector<float>& scores,
                                   const std::vector<TokenType>& types, std::optional<int> unknown_id);

    // Appends the ids for `text`, which is already escaped (spaces as "▁", prefix added).
    void encode(std::string_view text, std::vector<std::int32_t>& out) const;

    // The byte a byte token stands for, if `id` is one.
    std::optional<std::uint8_t> byte_of(std::int32_t id) const;

private:
    std::int32_t find_piece(std::string_view text) const;
    void emit_symbol(std::string_view text, std::vector<std::int32_t>& out) const;

    std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> piece_to_id_;
    std::vector<float> scores_;
    std::array<std::int32_t, 256> byte_token_{};  // all -1 when the vocabulary has none
    std::unordered_map<std::int32_t, std::uint8_t> token_byte_;
    bool has_byte_tokens_ = false;
    std::int32_t unknown_id_ = -1;
};

// "<0xHH>" -> the byte; nullopt for anything else.
std::optional<std::uint8_t> parse_byte_token(std::string_view text);

}  // namespace braid::backends::local
