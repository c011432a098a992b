#pragma once
// The three Unicode classes the byte-level BPE pre-tokenizer needs
// (\p{L}, \p{N}, \s). Classification uses ICU (general category and the White_Space property);
// ICU stays inside unicode.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.hpp"  // decoding, shared with every layer

namespace braid::backends::local {

enum class CharClass : std::uint8_t { letter, number, whitespace, other };

// letter = \p{L} (Lu Ll Lt Lm Lo), number = \p{N} (Nd Nl No), whitespace = White_Space.
CharClass char_class(char32_t code_point);

bool is_white_space(char32_t code_point);

}  // namespace braid::backends::local
