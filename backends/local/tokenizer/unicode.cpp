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

}  // namespace

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
