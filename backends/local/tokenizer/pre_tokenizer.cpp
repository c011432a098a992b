#include "backends/local/tokenizer/pre_tokenizer.hpp"

#include "backends/local/tokenizer/unicode.hpp"

namespace braid::backends::local {
namespace {

struct Char {
    char32_t code_point;  // U+FFFD for an ill-formed byte sequence
    std::size_t length;   // bytes
    CharClass cls;        // ill-formed bytes count as `other`
};

// The matcher works on bytes, decoding characters as it goes. Each alternative returns the end
// (byte offset) of its match at `pos`, or `pos` when it does not match. The ASCII-only parts of
// the pattern (the apostrophe, ' ', \r, \n) are compared as bytes: a multi-byte character never
// equals an ASCII byte.
class Matcher {
public:
    Matcher(std::string_view text, std::size_t max_digits) : t_(text), max_digits_(max_digits) {}

    std::size_t match(std::size_t pos) const {
        std::size_t end = contraction(pos);
        if (end == pos) end = letters(pos);
        if (end == pos) end = digits(pos);
        if (end == pos) end = punctuation(pos);
        if (end == pos) end = whitespace(pos);
        return end;  // every character class is covered above, so end > pos
    }

private:
    Char at(std::size_t pos) const {
        const auto byte = static_cast<unsigned char>(t_[pos]);
        if (byte < 0x80) return {byte, 1, char_class(byte)};
        const Utf8Char ch = decode_utf8(t_, pos);
        const CharClass cls = ch.status == Utf8Status::ok ? char_class(ch.code_point) : CharClass::other;
        return {ch.code_point, ch.length, cls};
    }
    CharClass cls_at(std::size_t pos) const { return pos < t_.size() ? at(pos).cls : CharClass::other; }
    bool byte_is(std::size_t pos, char c) const { return pos < t_.size() && t_[pos] == c; }
    bool is_cr_lf(std::size_t pos) const { return byte_is(pos, '\r') || byte_is(pos, '\n'); }
    char lower(std::size_t pos) const {
        const char c = pos < t_.size() ? t_[pos] : '\0';
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    }

    // (?i:'s|'t|'re|'ve|'m|'ll|'d), ASCII case folding
    std::size_t contraction(std::size_t pos) const {
        if (t_[pos] != '\'') return pos;
        const char a = lower(pos + 1);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') return pos + 2;
        const char b = lower(pos + 2);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return pos + 3;
        return pos;
    }

    // [^\r\n\p{L}\p{N}]?\p{L}+
    std::size_t letters(std::size_t pos) const {
        const Char first = at(pos);
        std::size_t j = pos + first.length;
        if (first.cls != CharClass::letter) {
            if (first.cls == CharClass::number || is_cr_lf(pos) || j >= t_.size()) return pos;
            const Char second = at(j);
            if (second.cls != CharClass::letter) return pos;
            j += second.length;
        }
        while (j < t_.size()) {
            const Char c = at(j);
            if (c.cls != CharClass::letter) break;
            j += c.length;
        }
        return j;
    }

    // \p{N}{1,3} (llama3) or \p{N} (qwen2)
    std::size_t digits(std::size_t pos) const {
        std::size_t j = pos;
        for (std::size_t count = 0; count < max_digits_ && j < t_.size(); ++count) {
            const Char c = at(j);
            if (c.cls != CharClass::number) break;
            j += c.length;
        }
        return j;
    }

    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    std::size_t punctuation(std::size_t pos) const {
        std::size_t j = pos;
        if (t_[pos] == ' ' && cls_at(pos + 1) == CharClass::other && pos + 1 < t_.size()) ++j;
        if (cls_at(j) != CharClass::other) return pos;
        while (j < t_.size()) {
            const Char c = at(j);
            if (c.cls != CharClass::other) break;
            j += c.length;
        }
        while (is_cr_lf(j)) ++j;
        return j;
    }

    // \s*[\r\n]+ | \s+(?!\S) | \s+
    std::size_t whitespace(std::size_t pos) const {
        std::size_t j = pos, last_start = pos, count = 0;
        std::size_t last_cr_lf_end = 0;  // 0 = none (a CR/LF ends at pos + 1 or later)
        while (j < t_.size()) {
            const Char c = at(j);
            if (c.cls != CharClass::whitespace) break;
            if (c.code_point == '\r' || c.code_point == '\n') last_cr_lf_end = j + 1;
            last_start = j;
            j += c.length;
            ++count;
        }
        if (count == 0) return pos;
        if (last_cr_lf_end != 0) return last_cr_lf_end;  // \s*[\r\n]+ backtracks to the last CR/LF
        if (j == t_.size() || count < 2) return j;       // (?!\S) holds at the end; else \s+
        return last_start;                               // leave one space for the next word
    }

    std::string_view t_;
    std::size_t max_digits_;
};

}  // namespace

std::size_t pre_token_end(std::string_view text, std::size_t pos, PreTokenizer pre) {
    return Matcher(text, pre == PreTokenizer::qwen2 ? 1 : 3).match(pos);
}

void pre_tokenize(std::string_view text, PreTokenizer pre, std::vector<std::string_view>& out) {
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t end = pre_token_end(text, pos, pre);
        out.push_back(text.substr(pos, end - pos));
        pos = end;
    }
}

}  // namespace braid::backends::local
