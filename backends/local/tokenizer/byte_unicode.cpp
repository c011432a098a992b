#include "backends/local/tokenizer/byte_unicode.hpp"

#include <array>

#include "backends/local/tokenizer/unicode.hpp"

namespace braid::backends::local {
namespace {

constexpr bool is_self_mapped(unsigned byte) {
    return (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || (byte >= 0xAE && byte <= 0xFF);
}

constexpr std::array<char32_t, 256> make_byte_to_unicode() {
    std::array<char32_t, 256> map{};
    char32_t next = 0x100;
    for (unsigned b = 0; b < 256; ++b) map[b] = is_self_mapped(b) ? b : next++;
    return map;
}
constexpr std::array<char32_t, 256> byte_map = make_byte_to_unicode();

// Every mapped code point is below U+0144 (0x100 + 68).
constexpr std::size_t inverse_size = 0x144;
constexpr std::array<std::int16_t, inverse_size> make_inverse() {
    std::array<std::int16_t, inverse_size> inverse{};
    for (auto& v : inverse) v = -1;
    for (unsigned b = 0; b < 256; ++b) inverse[byte_map[b]] = static_cast<std::int16_t>(b);
    return inverse;
}
constexpr std::array<std::int16_t, inverse_size> inverse_map = make_inverse();

}  // namespace

char32_t byte_to_unicode(std::uint8_t byte) { return byte_map[byte]; }

std::optional<std::uint8_t> unicode_to_byte(char32_t cp) {
    if (cp >= inverse_size || inverse_map[cp] < 0) return std::nullopt;
    return static_cast<std::uint8_t>(inverse_map[cp]);
}

std::string bytes_to_byte_level(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char c : bytes) append_utf8(out, byte_map[static_cast<unsigned char>(c)]);
    return out;
}

std::string byte_level_to_bytes(std::string_view text, bool* exact) {
    std::string out;
    out.reserve(text.size());
    if (exact != nullptr) *exact = true;
    for (std::size_t pos = 0; pos < text.size();) {
        const Utf8Char ch = decode_utf8(text, pos);
        const auto byte = ch.status == Utf8Status::ok ? unicode_to_byte(ch.code_point) : std::nullopt;
        if (byte) {
            out += static_cast<char>(*byte);
        } else {
            out.append(text.substr(pos, ch.length));
            if (exact != nullptr) *exact = false;
        }
        pos += ch.length;
    }
    return out;
}

}  // namespace braid::backends::local
