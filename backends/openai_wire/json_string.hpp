#pragma once
// JSON strings without a DOM, written byte by byte for the stream encoder's hot path. Written
// strings replace invalid UTF-8 with U+FFFD, as nlohmann's error_handler_t::replace does for the
// DOM writers, so both agree.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/utf8.hpp"

namespace braid::backends::openai_wire {

// Appends `text` as a JSON string literal (quotes included), replacing invalid UTF-8 with U+FFFD.
void append_json_string(std::string& out, std::string_view text);

}  // namespace braid::backends::openai_wire
