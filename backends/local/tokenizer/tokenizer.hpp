#pragma once
// Tokenizer: text <-> token ids for the local engine, built from a TokenizerSpec (GGUF metadata).
// Byte-level BPE (Llama-3, Qwen2) per engine.md §2.2 and SentencePiece-style (Llama 1/2) per
// §2.3. Immutable after create(); const methods are safe to call from several threads.
//
// Token classes: normal (and byte, for SPM) tokens come out of segmentation; user-defined tokens
// are always matched in text; control tokens (BOS, <|im_start|>, ...) only with parse_special.
// Decoding renders normal/byte/user-defined tokens; control, unknown and unused tokens only with
// render_special. No Unicode normalization: Qwen2's HF tokenizer applies NFC, llama.cpp does not,
// and neither do we (only non-NFC input can differ).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/local/tokenizer/bpe_model.hpp"
#include "backends/local/tokenizer/special_tokens.hpp"
#include "backends/local/tokenizer/spm_model.hpp"
#include "backends/local/tokenizer/tokenizer_spec.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

struct EncodeOptions {
    bool add_special = true;     // BOS / EOS as the spec's add_bos / add_eos say
    bool parse_special = false;  // recognise control tokens (<|im_start|>, <|eot_id|>) in the text
};

struct DecodeOptions {
    bool render_special = false;  // write the text of control and unknown tokens
    // SentencePiece only: drop the one leading space that encode() prefixes to the text (at the
    // start and after each control or user-defined token, as llama.cpp does) when
    // add_space_prefix is set. Set false when decoding a continuation, e.g. generated tokens
    // that follow a prompt.
    bool remove_space_prefix = true;
};

class Tokenizer {
public:
    // Validates the spec. Errors (invalid_input): no tokens; types/scores of the wrong length;
    // a special id out of range; add_bos/add_eos without the id; an empty normal token; for BPE a
    // missing single-byte token or a bad merge; for SPM missing scores or broken byte fallback.
    static Result<Tokenizer> create(TokenizerSpec spec);

    std::vector<std::int32_t> encode(std::string_view text, EncodeOptions options = {}) const;

    // The raw bytes of the tokens; ill-formed UTF-8 comes out as is (it can only appear when the
    // ids split a character or were not produced by encode()). Ids out of range are skipped.
    std::string decode(std::span<const std::int32_t> ids, DecodeOptions options = {}) const;

    // The token's text as the vocabulary stores it (byte-level form for BPE, "▁" for SPM).
    // Precondition: 0 <= id < vocab_size().
    std::string_view token_text(std::int32_t id) const;
    TokenType token_type(std::int32_t id) const;
    std::int32_t vocab_size() const { return static_cast<std::int32_t>(text_.size()); }
    TokenizerKind kind() const { return kind_; }

    std::optional<std::int32_t> bos_id() const { return bos_id_; }
    std::optional<std::int32_t> eos_id() const { return eos_id_; }
    // The spec's eot id, else the id of "<|eot_id|>" or "<|im_end|>" when the vocabulary has one.
    std::optional<std::int32_t> eot_id() const { return eot_id_; }
    // eos, eot, and control tokens that end a turn (<|im_end|>, <|eot_id|>, <|eom_id|>,
    // <|end_of_text|>, <|endoftext|>, </s>, <end_of_turn>, <|end|>).
    bool is_end_of_generation(std::int32_t id) const;

    // One step of decode(), shared with StreamDecoder: appends what `id` contributes to `out`.
    // `at_text_start` carries the SPM space-prefix state between calls; start it at true.
    void append_token_bytes(std::int32_t id, const DecodeOptions& options, bool& at_text_start,
                            std::string& out) const;

private:
    Tokenizer() = default;
    void encode_text(std::string_view text, bool after_special, std::vector<std::int32_t>& out,
                     BpeModel::Workspace& workspace, std::string& scratch) const;

    TokenizerKind kind_ = TokenizerKind::byte_level_bpe;
    PreTokenizer pre_ = PreTokenizer::llama3;
    std::vector<std::string> text_;   // as stored in the spec
    std::vector<std::string> bytes_;  // what decode() writes for the token
    std::vector<TokenType> types_;
    std::optional<std::int32_t> bos_id_, eos_id_, eot_id_;
    bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = false;
    std::vector<std::int32_t> end_of_generation_;  // sorted
    SpecialTokens special_;
    std::optional<BpeModel> bpe_;
    std::optional<SpmModel> spm_;
};

}  // namespace braid::backends::local
