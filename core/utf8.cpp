#include "core/utf8.hpp"

namespace braid {
namespace {

bool is_continuation(unsigned char byte) {
    return (byte & 0xC0) == 0x80;
}

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

std::size_t utf8_sequence_length(std::string_view text, std::size_t pos) {
    const Utf8Char ch = decode_utf8(text, pos);
    return ch.status == Utf8Status::ok ? ch.length : 0;
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

bool is_valid_utf8(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();) {
        if (static_cast<unsigned char>(text[pos]) < 0x80) {
            ++pos;
            continue;
        }
        const Utf8Char ch = decode_utf8(text, pos);
        if (ch.status != Utf8Status::ok) return false;
        pos += ch.length;
    }
    return true;
}

std::string repair_utf8(std::string_view text) {
    if (is_valid_utf8(text)) return std::string(text);
    std::string out;
    out.reserve(text.size() + 8);
    for (std::size_t pos = 0; pos < text.size();) {
        const Utf8Char ch = decode_utf8(text, pos);
        if (ch.status == Utf8Status::ok)
            out.append(text.substr(pos, ch.length));
        else
            append_utf8(out, replacement_character);
        pos += ch.length;
    }
    return out;
}

std::size_t complete_utf8_prefix(std::string_view text) {
    // Walk back over at most three continuation bytes to the lead byte of the last sequence.
    const std::size_t n = text.size();
    for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
        const auto c = static_cast<unsigned char>(text[n - back]);
        if (is_continuation(c)) continue;
        const std::size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > back && c < 0xF8 ? n - back : n;
    }
    return n;
}

}  // namespace braid
