#include "backends/local/tokenizer/pre_tokenizer.hpp"

#include <cstdint>

#include "backends/local/tokenizer/unicode.hpp"

namespace braid::backends::local {
namespace {

struct Char {
    std::uint32_t offset;
    char32_t code_point;  // U+FFFD for an ill-formed byte sequence
    CharClass cls;
};

std::vector<Char> decode_chars(std::string_view text) {
    std::vector<Char> chars;
    chars.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const Utf8Char ch = decode_utf8(text, pos);
        const CharClass cls = ch.status == Utf8Status::ok ? char_class(ch.code_point) : CharClass::other;
        chars.push_back({static_cast<std::uint32_t>(pos), ch.code_point, cls});
        pos += ch.length;
    }
    return chars;
}

char32_t ascii_lower(char32_t c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

// The matcher over decoded characters; each method returns the end (char index) of the
// alternative's match at i, or i when it does not match.
class Matcher {
public:
    Matcher(const std::vector<Char>& chars, std::size_t max_digits)
        : c_(chars), n_(chars.size()), max_digits_(max_digits) {}

    std::size_t match(std::size_t i) const {
        std::size_t end = contraction(i);
        if (end == i) end = letters(i);
        if (end == i) end = digits(i);
        if (end == i) end = punctuation(i);
        if (end == i) end = whitespace(i);
        return end;  // every character class is covered above, so end > i
    }

private:
    CharClass cls(std::size_t i) const { return c_[i].cls; }
    bool is_cr_lf(std::size_t i) const { return c_[i].code_point == '\r' || c_[i].code_point == '\n'; }

    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    std::size_t contraction(std::size_t i) const {
        if (c_[i].code_point != '\'' || i + 1 >= n_) return i;
        const char32_t a = ascii_lower(c_[i + 1].code_point);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
        if (i + 2 >= n_) return i;
        const char32_t b = ascii_lower(c_[i + 2].code_point);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
        return i;
    }

    // [^\r\n\p{L}\p{N}]?\p{L}+
    std::size_t letters(std::size_t i) const {
        std::size_t j = i;
        if (cls(i) == CharClass::letter) {
            j = i + 1;
        } else if (cls(i) != CharClass::number && !is_cr_lf(i) && i + 1 < n_ &&
                   cls(i + 1) == CharClass::letter) {
            j = i + 2;
        } else {
            return i;
        }
        while (j < n_ && cls(j) == CharClass::letter) ++j;
        return j;
    }

    // \p{N}{1,3} (llama3) or \p{N} (qwen2)
    std::size_t digits(std::size_t i) const {
        std::size_t j = i;
        while (j < n_ && j - i < max_digits_ && cls(j) == CharClass::number) ++j;
        return j;
    }

    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    std::size_t punctuation(std::size_t i) const {
        std::size_t j = i;
        if (c_[i].code_point == ' ' && i + 1 < n_ && cls(i + 1) == CharClass::other) ++j;
        if (cls(j) != CharClass::other) return i;
        while (j < n_ && cls(j) == CharClass::other) ++j;
        while (j < n_ && is_cr_lf(j)) ++j;
        return j;
    }

    // \s*[\r\n]+ | \s+(?!\S) | \s+
    std::size_t whitespace(std::size_t i) const {
        if (cls(i) != CharClass::whitespace) return i;
        std::size_t run_end = i;
        std::size_t last_cr_lf = n_;
        for (; run_end < n_ && cls(run_end) == CharClass::whitespace; ++run_end)
            if (is_cr_lf(run_end)) last_cr_lf = run_end;
        if (last_cr_lf != n_) return last_cr_lf + 1;       // \s*[\r\n]+ backtracks to the last CR/LF
        if (run_end == n_ || run_end - i < 2) return run_end;  // (?!\S) holds at the end; else \s+
        return run_end - 1;                                 // leave one space for the next word
    }

    const std::vector<Char>& c_;
    std::size_t n_;
    std::size_t max_digits_;
};

}  // namespace

void pre_tokenize(std::string_view text, PreTokenizer pre, std::vector<std::string_view>& out) {
    const std::vector<Char> chars = decode_chars(text);
    const Matcher matcher(chars, pre == PreTokenizer::qwen2 ? 1 : 3);
    for (std::size_t i = 0; i < chars.size();) {
        const std::size_t end = matcher.match(i);
        const std::size_t begin_byte = chars[i].offset;
        const std::size_t end_byte = end < chars.size() ? chars[end].offset : text.size();
        out.push_back(text.substr(begin_byte, end_byte - begin_byte));
        i = end;
    }
}

}  // namespace braid::backends::local
