#pragma once
// The GPT-2 byte <-> unicode map of byte-level BPE vocabularies (engine.md §2.2 step 4):
// printable bytes ('!'..'~', U+00A1..U+00AC, U+00AE..U+00FF) stand for themselves, the other 68
// bytes map in order to U+0100, U+0101, ... (space -> 'Ġ' U+0120, '\n' -> 'Ċ' U+010A).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace braid::backends::local {

char32_t byte_to_unicode(std::uint8_t byte);
std::optional<std::uint8_t> unicode_to_byte(char32_t code_point);

// Raw bytes -> the vocabulary's printable form (each byte becomes one character).
std::string bytes_to_byte_level(std::string_view bytes);

// The vocabulary's printable form -> raw bytes. A character outside the map (or ill-formed
// UTF-8) is copied through unchanged, as llama.cpp does; `exact` is set false when that happens.
std::string byte_level_to_bytes(std::string_view text, bool* exact = nullptr);

}  // namespace braid::backends::local
