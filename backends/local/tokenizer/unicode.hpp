#pragma once
// UTF-8 decoding and the three Unicode classes the byte-level BPE pre-tokenizer needs
// (\p{L}, \p{N}, \s). Classification uses ICU (general category and the White_Space property);
// ICU stays inside unicode.cpp.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace braid::backends::local {

enum class Utf8Status : std::uint8_t {
    ok,         // a well-formed character
    invalid,    // an ill-formed subsequence: replace it by one U+FFFD
    truncated,  // a well-formed prefix that the end of the input cut short
};

struct Utf8Char {
    char32_t code_point = 0;  // U+FFFD unless status == ok
    std::uint32_t length = 1; // bytes consumed: the character, or the maximal ill-formed subpart
    Utf8Status status = Utf8Status::ok;
};

inline constexpr char32_t replacement_character = 0xFFFD;

// Decodes the character at text[pos] (pos < text.size()) strictly per Unicode Table 3-7:
// no overlongs, no surrogates, nothing past U+10FFFF.
Utf8Char decode_utf8(std::string_view text, std::size_t pos);

void append_utf8(std::string& out, char32_t code_point);

// `text` with every ill-formed or truncated subsequence replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

enum class CharClass : std::uint8_t { letter, number, whitespace, other };

// letter = \p{L} (Lu Ll Lt Lm Lo), number = \p{N} (Nd Nl No), whitespace = White_Space.
CharClass char_class(char32_t code_point);

bool is_white_space(char32_t code_point);

}  // namespace braid::backends::local
