#pragma once
// JSON strings without a DOM: written byte by byte for the stream encoder's hot path, and the
// UTF-8 check that the chunk scanner's reader shares. Written strings replace invalid UTF-8 with
// U+FFFD, as nlohmann's error_handler_t::replace does for the DOM writers, so both agree.

#include <cstddef>
#include <string>
#include <string_view>

namespace braid::backends::openai_wire {

// Length of the well-formed UTF-8 sequence starting at text[i] (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 if it is invalid or truncated. text[i] >= 0x80.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// Appends `text` as a JSON string literal (quotes included), replacing invalid UTF-8 with U+FFFD.
void append_json_string(std::string& out, std::string_view text);

// Length of the longest prefix of `text` that does not end inside a UTF-8 sequence that the
// following bytes could still complete (streams hold such a tail back until the next piece).
std::size_t complete_utf8_prefix(std::string_view text);

}  // namespace braid::backends::openai_wire
