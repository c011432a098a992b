#include "backends/openai_wire/chunk_scanner.hpp"

#include <algorithm>
#include <cstdint>

#include "backends/openai_wire/json_string.hpp"

namespace braid::backends::openai_wire {

namespace {

constexpr int max_skip_depth = 64;
constexpr int max_index_digits = 9;

// A cursor over one JSON text. Every method returns false on input it does not accept; the
// cursor's position is then meaningless and the scan is abandoned.
class Cursor {
public:
    explicit Cursor(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

    void skip_ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
    }
    bool eat(char c) {
        skip_ws();
        if (p_ == end_ || *p_ != c) return false;
        ++p_;
        return true;
    }
    bool at_end() {
        skip_ws();
        return p_ == end_;
    }

    // A key without escapes (an escaped key sends the chunk to the full parser).
    bool key(std::string_view& out) {
        if (!eat('"')) return false;
        const char* start = p_;
        while (p_ < end_ && *p_ != '"') {
            auto c = static_cast<unsigned char>(*p_);
            if (c == '\\' || c < 0x20) return false;
            if (c >= 0x80) {
                if (!utf8_sequence(nullptr)) return false;
                continue;
            }
            ++p_;
        }
        if (p_ == end_) return false;
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return eat(':');
    }

    // A string value, decoded into *out (appended) unless out is null. Bytes that are not UTF-8
    // are kept raw (see scan_plain_chunk's contract).
    bool string(std::string* out) {
        if (!eat('"')) return false;
        for (;;) {
            const char* run = p_;
            while (p_ < end_) {
                auto c = static_cast<unsigned char>(*p_);
                if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
                ++p_;
            }
            if (out) out->append(run, static_cast<std::size_t>(p_ - run));
            if (p_ == end_) return false;
            auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c < 0x20) return false;
            if (c >= 0x80) {
                raw_utf8(out);
            } else if (!escape(out)) {
                return false;
            }
        }
    }

    bool literal(std::string_view word) {
        skip_ws();
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(p_, word.size()) != word)
            return false;
        p_ += word.size();
        return true;
    }

    bool null() { return literal("null"); }

    // True when the next value starts with `c` (nothing is consumed but whitespace).
    bool next_is(char c) {
        skip_ws();
        return p_ < end_ && *p_ == c;
    }

    // A string is read into *out; any other value is checked and ignored.
    bool string_or_skip(std::string* out) { return next_is('"') ? string(out) : skip_value(); }

    // Null or a string: a null leaves *out untouched.
    bool optional_string(std::string* out) {
        skip_ws();
        if (p_ < end_ && *p_ == 'n') return null();
        return string(out);
    }

    // A small non-negative integer literal (no fraction, no exponent).
    bool index(std::size_t& value) {
        skip_ws();
        const char* start = p_;
        value = 0;
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
            value = value * 10 + static_cast<std::size_t>(*p_ - '0');
            ++p_;
        }
        std::ptrdiff_t digits = p_ - start;
        if (digits == 0 || digits > max_index_digits || (digits > 1 && *start == '0')) return false;
        return p_ == end_ || (*p_ != '.' && *p_ != 'e' && *p_ != 'E');
    }

    // Any JSON value, checked and discarded.
    bool skip_value(int depth = 0) {
        skip_ws();
        if (p_ == end_ || depth > max_skip_depth) return false;
        switch (*p_) {
            case '"':
                return string(nullptr);
            case '{': {
                ++p_;
                if (eat('}')) return true;
                do {
                    if (!key_any() || !skip_value(depth + 1)) return false;
                } while (eat(','));
                return eat('}');
            }
            case '[': {
                ++p_;
                if (eat(']')) return true;
                do {
                    if (!skip_value(depth + 1)) return false;
                } while (eat(','));
                return eat(']');
            }
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return null();
            default:
                return number();
        }
    }

private:
    // Any key, escapes included, followed by ':'.
    bool key_any() { return string(nullptr) && eat(':'); }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    // A number whose magnitude a double holds without overflow or underflow to zero: up to
    // max_mantissa_digits digits before and after the point and a two-digit exponent (1e8009
    // is a parse error for the full parser, so the fast path leaves such numbers to it).
    bool number() {
        if (p_ < end_ && *p_ == '-') ++p_;
        if (p_ == end_) return false;
        if (*p_ == '0') {
            ++p_;
        } else if (!digits(max_mantissa_digits)) {
            return false;
        }
        if (p_ < end_ && *p_ == '.') {
            ++p_;
            if (!digits(max_mantissa_digits)) return false;
        }
        if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
            ++p_;
            if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (!digits(max_exponent_digits)) return false;
        }
        return true;
    }

    static constexpr std::ptrdiff_t max_mantissa_digits = 200, max_exponent_digits = 2;

    // One to `max_digits` decimal digits.
    bool digits(std::ptrdiff_t max_digits) {
        const char* start = p_;
        while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        return p_ != start && p_ - start <= max_digits;
    }

    // The UTF-8 sequence starting at a byte >= 0x80, appended to *out unless out is null; a byte
    // that starts no well-formed sequence is appended alone.
    void raw_utf8(std::string* out) {
        const std::size_t length = std::max<std::size_t>(
            utf8_sequence_length(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0), 1);
        if (out) out->append(p_, length);
        p_ += length;
    }

    // One well-formed UTF-8 sequence starting at a byte >= 0x80 (RFC 3629: no overlongs, no
    // surrogates, nothing above U+10FFFF), appended to *out unless out is null.
    bool utf8_sequence(std::string* out) {
        std::size_t length =
            utf8_sequence_length(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0);
        if (length == 0) return false;
        if (out) out->append(p_, length);
        p_ += length;
        return true;
    }

    bool hex4(std::uint32_t& value) {
        if (end_ - p_ < 4) return false;
        value = 0;
        for (int i = 0; i < 4; ++i) {
            char c = *p_++;
            value <<= 4;
            if (c >= '0' && c <= '9')
                value |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                value |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                value |= static_cast<std::uint32_t>(c - 'A' + 10);
            else
                return false;
        }
        return true;
    }

    // After a backslash: one escape, decoded into *out unless out is null. A lone or misordered
    // surrogate is refused, as the full parser refuses it.
    bool escape(std::string* out) {
        ++p_;  // the backslash
        if (p_ == end_) return false;
        char c = *p_++;
        char decoded = 0;
        switch (c) {
            case '"':
                decoded = '"';
                break;
            case '\\':
                decoded = '\\';
                break;
            case '/':
                decoded = '/';
                break;
            case 'b':
                decoded = '\b';
                break;
            case 'f':
                decoded = '\f';
                break;
            case 'n':
                decoded = '\n';
                break;
            case 'r':
                decoded = '\r';
                break;
            case 't':
                decoded = '\t';
                break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t low = 0;
                    if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
                    p_ += 2;
                    if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                }
                if (out) append_utf8(*out, static_cast<char32_t>(cp));
                return true;
            }
            default:
                return false;
        }
        if (out) out->push_back(decoded);
        return true;
    }

    const char* p_;
    const char* end_;
};

// A chat `delta`: content is read, tool_calls must be null, the rest is skipped.
bool scan_delta(Cursor& in, std::string& piece) {
    if (in.null()) return true;
    if (!in.eat('{')) return false;
    if (in.eat('}')) return true;
    bool seen_content = false;
    do {
        std::string_view key;
        if (!in.key(key)) return false;
        bool ok = true;
        if (key == "content") {
            if (seen_content) return false;
            seen_content = true;
            ok = in.optional_string(&piece);
        } else if (key == "tool_calls") {
            ok = in.null();
        } else {
            ok = in.skip_value();
        }
        if (!ok) return false;
    } while (in.eat(','));
    return in.eat('}');
}

bool scan_choice(Cursor& in, Endpoint endpoint, std::size_t max_choices, ScannedChoice& c) {
    c.index = 0;
    c.piece.clear();
    c.finish_reason.clear();
    c.stop_sequence.clear();
    c.matched_stop.clear();
    if (!in.eat('{')) return false;
    if (in.eat('}')) return true;
    enum : unsigned {
        seen_index = 1,
        seen_piece = 2,
        seen_finish = 4,
        seen_stop_reason = 8,
        seen_matched_stop = 16
    };
    unsigned seen = 0;
    auto once = [&seen](unsigned bit) {
        if (seen & bit) return false;
        seen |= bit;
        return true;
    };
    do {
        std::string_view key;
        if (!in.key(key)) return false;
        bool ok = true;
        if (key == "index") {
            ok = once(seen_index) && in.index(c.index) && c.index < max_choices;
        } else if (key == "finish_reason") {
            ok = once(seen_finish) && in.optional_string(&c.finish_reason);
        } else if (key == "stop_reason") {
            ok = once(seen_stop_reason) && in.string_or_skip(&c.stop_sequence);
        } else if (key == "matched_stop") {
            ok = once(seen_matched_stop) && in.string_or_skip(&c.matched_stop);
        } else if (key == "logprobs") {
            ok = in.null();
        } else if (endpoint == Endpoint::completions && key == "text") {
            ok = once(seen_piece) && in.optional_string(&c.piece);
        } else if (endpoint == Endpoint::chat_completions && key == "delta") {
            ok = once(seen_piece) && scan_delta(in, c.piece);
        } else {
            ok = in.skip_value();
        }
        if (!ok) return false;
    } while (in.eat(','));
    if (c.stop_sequence.empty()) c.stop_sequence.swap(c.matched_stop);
    return in.eat('}');
}

bool scan_choices(Cursor& in, Endpoint endpoint, std::size_t max_choices, ScannedChunk& out) {
    if (!in.eat('[')) return false;
    if (in.eat(']')) return true;
    do {
        if (out.count == out.choices.size()) out.choices.emplace_back();
        if (!scan_choice(in, endpoint, max_choices, out.choices[out.count])) return false;
        ++out.count;
    } while (in.eat(','));
    return in.eat(']');
}

}  // namespace

bool scan_plain_chunk(std::string_view data, Endpoint endpoint, std::size_t max_choices,
                      ScannedChunk& out) {
    out.count = 0;
    Cursor in(data);
    if (!in.eat('{')) return false;
    if (in.eat('}')) return in.at_end();
    bool seen_choices = false;
    do {
        std::string_view key;
        if (!in.key(key)) return false;
        bool ok = true;
        if (key == "choices") {
            ok = !seen_choices && scan_choices(in, endpoint, max_choices, out);
            seen_choices = true;
        } else if (key == "usage" || key == "error") {
            ok = in.null();
        } else {
            ok = in.skip_value();
        }
        if (!ok) return false;
    } while (in.eat(','));
    return in.eat('}') && in.at_end();
}

}  // namespace braid::backends::openai_wire
