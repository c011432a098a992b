#pragma once
// TokenizerSpec: everything a tokenizer is built from, as a model file stores it (GGUF
// `tokenizer.*` metadata; engine.md §2.1). The GGUF loader fills it; Tokenizer::create reads it.

#include <optional>
#include <string>
#include <vector>

namespace braid::backends::local {

enum class TokenizerKind {
    byte_level_bpe,  // GGUF tokenizer.ggml.model = "gpt2" (Llama-3, Qwen2)
    sentencepiece,   // GGUF tokenizer.ggml.model = "llama" (Llama 1/2)
};

// The pre-tokenizer regex family (GGUF tokenizer.ggml.pre). Only byte_level_bpe uses it.
enum class PreTokenizer {
    llama3,  // "llama-bpe", "llama3": cl100k_base pattern, digits in runs of 1-3
    qwen2,   // "qwen2": the same pattern with single digits
};

// GGUF tokenizer.ggml.token_type values.
enum class TokenType : int { normal = 1, unknown = 2, control = 3, user_defined = 4, unused = 5, byte = 6 };

struct TokenizerSpec {
    TokenizerKind kind = TokenizerKind::byte_level_bpe;
    PreTokenizer pre = PreTokenizer::llama3;
    std::vector<std::string> tokens;   // index = token id; BPE tokens in GPT-2 byte-to-unicode form
    std::vector<float> scores;         // SentencePiece merge priorities; may be empty for BPE
    std::vector<TokenType> types;      // parallel to tokens (normal when the file has none)
    std::vector<std::string> merges;   // BPE: "left right", rank = index
    std::optional<int> bos_id, eos_id, eot_id, unknown_id, padding_id;
    bool add_bos = false;
    bool add_eos = false;
    bool add_space_prefix = true;      // SentencePiece: prepend "▁" to the text
    std::string chat_template;         // the raw Jinja text; used to recognise ChatML / Llama-3
};

}  // namespace braid::backends::local
