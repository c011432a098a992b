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

#include "backends/local/tokenizer/pair_table.hpp"
#include "backends/local/tokenizer/string_hash.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

class BpeModel {
    struct Symbol {
        std::int32_t id;
        std::int32_t prev, next;  // -1 at the ends
    };
    struct Candidate {
        std::uint32_t rank;
        std::int32_t left;  // symbol index; symbols keep their order, so lower = further left
        std::int32_t left_id, right_id, result;
    };

public:
    // Buffers encode_piece reuses between pieces; one per thread.
    class Workspace {
        friend class BpeModel;
        std::vector<Symbol> symbols_;
        std::vector<Candidate> heap_;
    };

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
    void encode_piece(std::string_view piece, std::vector<std::int32_t>& out, Workspace& workspace) const;

private:
    using Merge = PairTable::Merge;
    const Merge* find_merge(std::int32_t left, std::int32_t right) const { return merges_.find(left, right); }
    std::int32_t find_piece(std::string_view bytes) const;

    std::int32_t byte_token_[256] = {};
    // mergeable tokens by raw bytes
    std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> piece_to_id_;
    PairTable merges_;
    bool ignore_merges_ = false;
};

}  // namespace braid::backends::local
