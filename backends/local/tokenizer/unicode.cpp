#include "backends/local/tokenizer/unicode.hpp"

#include <unicode/uchar.h>

#include <array>

namespace braid::backends::local {
namespace {

constexpr std::array<CharClass, 128> make_ascii_classes() {
    std::array<CharClass, 128> classes{};
    for (std::size_t c = 0; c < classes.size(); ++c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) classes[c] = CharClass::letter;
        else if (c >= '0' && c <= '9') classes[c] = CharClass::number;
        else if (c == ' ' || (c >= '\t' && c <= '\r')) classes[c] = CharClass::whitespace;
        else classes[c] = CharClass::other;
    }
    return classes;
}
constexpr std::array<CharClass, 128> ascii_classes = make_ascii_classes();

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

}  // namespace

Utf8Char decode_utf8(std::string_view text, std::size_t pos) {
    const auto lead = static_cast<unsigned char>(text[pos]);
    if (lead < 0x80) return {lead, 1, Utf8Status::ok};
    std::uint32_t length = 0;
    char32_t code_point = 0;
    unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, code_point = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, code_point = lead & 0x0Fu;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, code_point = lead & 0x07u;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return {replacement_character, 1, Utf8Status::invalid};
    }
    for (std::uint32_t i = 1; i < length; ++i) {
        if (pos + i >= text.size()) return {replacement_character, i, Utf8Status::truncated};
        const auto byte = static_cast<unsigned char>(text[pos + i]);
        const bool in_range = i == 1 ? (byte >= low && byte <= high) : is_continuation(byte);
        if (!in_range) return {replacement_character, i, Utf8Status::invalid};
        code_point = (code_point << 6) | (byte & 0x3Fu);
    }
    return {code_point, length, Utf8Status::ok};
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string sanitize_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const Utf8Char ch = decode_utf8(text, pos);
        if (ch.status == Utf8Status::ok) out.append(text.substr(pos, ch.length));
        else append_utf8(out, replacement_character);
        pos += ch.length;
    }
    return out;
}

bool is_white_space(char32_t cp) {
    if (cp < 0x80) return ascii_classes[cp] == CharClass::whitespace;
    return u_isUWhiteSpace(static_cast<UChar32>(cp)) != 0;
}

CharClass char_class(char32_t cp) {
    if (cp < 0x80) return ascii_classes[cp];
    const auto c = static_cast<UChar32>(cp);
    const std::uint32_t mask = U_GET_GC_MASK(c);
    if ((mask & U_GC_L_MASK) != 0) return CharClass::letter;
    if ((mask & U_GC_N_MASK) != 0) return CharClass::number;
    if (u_isUWhiteSpace(c) != 0) return CharClass::whitespace;
    return CharClass::other;
}

}  // namespace braid::backends::local
