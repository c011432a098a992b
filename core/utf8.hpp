#pragma once
// UTF-8: strict decoding (Unicode Table 3-7: no overlongs, no surrogates, nothing past U+10FFFF),
// encoding, and repair. Text that crosses braid's boundaries (model output, server bytes, command
// output, file names) may be any bytes; whatever is written as JSON or shown must be repaired
// first. One ill-formed subsequence (Unicode's "maximal subpart") becomes one U+FFFD, the
// practice of the W3C encoding standard and of nlohmann::json's error_handler_t::replace.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace braid {

enum class Utf8Status : std::uint8_t {
    ok,         // a well-formed character
    invalid,    // an ill-formed subsequence: replace it by one U+FFFD
    truncated,  // a well-formed prefix that the end of the input cut short
};

struct Utf8Char {
    char32_t code_point = 0;   // U+FFFD unless status == ok
    std::uint32_t length = 1;  // bytes consumed: the character, or the maximal ill-formed subpart
    Utf8Status status = Utf8Status::ok;
};

inline constexpr char32_t replacement_character = 0xFFFD;

// Decodes the character at text[pos] (pos < text.size()).
Utf8Char decode_utf8(std::string_view text, std::size_t pos);

// Length of the well-formed sequence starting at text[pos], or 0 if it is ill-formed or
// truncated.
std::size_t utf8_sequence_length(std::string_view text, std::size_t pos);

void append_utf8(std::string& out, char32_t code_point);

bool is_valid_utf8(std::string_view text);

// `text` with every ill-formed or truncated subsequence replaced by U+FFFD; `text` itself when
// it is well-formed.
std::string repair_utf8(std::string_view text);

// Length of the longest prefix of `text` that does not end inside a UTF-8 sequence that the
// following bytes could still complete (a stream holds such a tail back until the next piece).
std::size_t complete_utf8_prefix(std::string_view text);

}  // namespace braid
