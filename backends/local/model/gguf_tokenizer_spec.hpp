#pragma once
// TokenizerSpec from GGUF `tokenizer.*` metadata (engine.md §2.1).

#include <optional>

#include "backends/local/gguf/gguf_reader.hpp"
#include "backends/local/tokenizer/tokenizer_spec.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

// nullopt when the file has no tokenizer.ggml.model (or it is "none"). "gpt2" ⇒ byte_level_bpe,
// "llama" ⇒ sentencepiece. tokenizer.ggml.pre: "llama-bpe" / "llama3" ⇒ llama3, "qwen2" ⇒ qwen2,
// anything else or absent ⇒ llama3. Reads tokens (required), scores, token_type, merges, the
// bos/eos/eot/unknown/padding ids, add_bos_token / add_eos_token / add_space_prefix (defaults as
// llama.cpp: BPE adds BOS only for the llama3 pre-tokenizer and no space prefix; SentencePiece
// adds BOS and a space prefix) and tokenizer.chat_template.
// The separator id (spelled `tokenizer.ggml.seperator_token_id` by llama.cpp) is BERT-only and
// has no TokenizerSpec field, so it is not read.
// Errors (invalid_input): an unknown model, mistyped keys, arrays whose length differs from
// tokens, token types outside 1..6, special ids outside the vocabulary.
Result<std::optional<TokenizerSpec>> tokenizer_from_gguf(const GgufFile& file);

}  // namespace braid::backends::local
