#pragma once
// The byte-level BPE pre-tokenizer (engine.md §2.2 step 3), a hand-written matcher for
//   llama3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//           ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   qwen2:  the same with \p{N} (single digits) in place of \p{N}{1,3}.
// It returns exactly the matches a Unicode regex engine finds, with two stated choices:
// `(?i:...)` folds ASCII letters only (as llama.cpp and js-tiktoken do; U+017F 'ſ' is not 's'),
// and \s is the Unicode White_Space property. Ill-formed UTF-8 bytes count as [^\s\p{L}\p{N}]
// characters, so every input byte lands in exactly one piece.

#include <cstddef>
#include <string_view>
#include <vector>

#include "backends/local/tokenizer/tokenizer_spec.hpp"

namespace braid::backends::local {

// The end (byte offset) of the piece that starts at `pos` (< text.size()); always > pos. Pieces
// found from 0 onwards cover `text` without gaps, and only look at the characters they cover plus
// one more, so callers can walk a long text without materialising its pieces.
std::size_t pre_token_end(std::string_view text, std::size_t pos, PreTokenizer pre);

// Appends the pieces of `text` to `out`, in order; their concatenation is `text`. The views
// point into `text`.
void pre_tokenize(std::string_view text, PreTokenizer pre, std::vector<std::string_view>& out);

}  // namespace braid::backends::local
