#pragma once
// The merge step of byte-level BPE (engine.md §2.2 step 5) over one pre-token.
//
// Two ways to rank pairs, chosen by whether the spec has merges:
//  * merges mode (GGUF `tokenizer.ggml.merges`): pair (a, b) has rank = its index in the list;
//  * rank mode (no merges, tiktoken style): a pair may merge when the concatenation is a normal
//    token, with rank = that token's id. This is tiktoken's algorithm for vocabularies whose ids
//    are their ranks (cl100k_base), and it always applies the whole-piece shortcut.
// Either way the lowest rank merges first, ties to the leftmost pair.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"

namespace braid::backends::local {

class BpeModel {
public:
    // token_bytes[id] is the token's raw bytes; `mergeable[id]` says whether the token may be
    // produced from text (normal tokens). `merges` in the vocabulary's byte-level form.
    // `ignore_merges`: a pre-token that is itself a mergeable token is emitted directly
    // (Llama-3's tokenizer.json; forced on in rank mode).
    // Errors (invalid_input): a byte without a single-byte token, a malformed merge line, a
    // merge naming an unknown token or producing one.
    static Result<BpeModel> create(const std::vector<std::string>& token_bytes,
                                   const std::vector<bool>& mergeable,
                                   const std::vector<std::string>& merges, bool ignore_merges);

    // Appends the ids for one pre-token (raw bytes, non-empty) to `out`.
    void encode_piece(std::string_view piece, std::vector<std::int32_t>& out) const;

private:
    struct Merge {
        std::uint32_t rank;
        std::int32_t result;
    };
    static std::uint64_t pair_key(std::int32_t left, std::int32_t right) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
               static_cast<std::uint32_t>(right);
    }
    const Merge* find_merge(std::int32_t left, std::int32_t right) const;

    std::int32_t byte_token_[256] = {};
    std::unordered_map<std::string, std::int32_t> piece_to_id_;  // mergeable tokens by raw bytes
    std::unordered_map<std::uint64_t, Merge> merges_;
    bool ignore_merges_ = false;
};

}  // namespace braid::backends::local
