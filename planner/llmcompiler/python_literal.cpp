#include "planner/llmcompiler/python_literal.hpp"

#include <cctype>
#include <charconv>

namespace braid::planner::llmcompiler {

namespace {

constexpr int kMaxNesting = 64;

class LiteralParser {
public:
    explicit LiteralParser(std::string_view text) : s_(text) {}

    // A sequence of values separated by commas up to `close` (or the end when close == 0).
    std::optional<nlohmann::json> sequence(char close, int depth) {
        if (depth > kMaxNesting) return std::nullopt;
        nlohmann::json out = nlohmann::json::array();
        for (;;) {
            space();
            if (at_end()) return close == 0 ? std::optional(out) : std::nullopt;
            if (close != 0 && s_[pos_] == close) {
                ++pos_;
                return out;
            }
            auto v = value(depth);
            if (!v) return std::nullopt;
            out.push_back(std::move(*v));
            space();
            if (at_end()) return close == 0 ? std::optional(out) : std::nullopt;
            if (s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (close != 0 && s_[pos_] == close) continue;
            return std::nullopt;
        }
    }

private:
    bool at_end() const { return pos_ >= s_.size(); }
    void space() {
        while (!at_end() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }

    std::optional<nlohmann::json> value(int depth) {
        char c = s_[pos_];
        if (c == '"' || c == '\'') return string(c);
        if (c == '[') {
            ++pos_;
            return sequence(']', depth + 1);
        }
        if (c == '(') {
            ++pos_;
            return sequence(')', depth + 1);
        }
        if (word("True")) return nlohmann::json(true);
        if (word("False")) return nlohmann::json(false);
        if (word("None")) return nlohmann::json(nullptr);
        return number();
    }

    bool word(std::string_view w) {
        if (s_.substr(pos_, w.size()) != w) return false;
        std::size_t after = pos_ + w.size();
        if (after < s_.size() &&
            (std::isalnum(static_cast<unsigned char>(s_[after])) || s_[after] == '_'))
            return false;
        pos_ = after;
        return true;
    }

    std::optional<nlohmann::json> number() {
        std::size_t start = pos_;
        if (!at_end() && (s_[pos_] == '-' || s_[pos_] == '+')) ++pos_;
        bool is_float = false;
        while (!at_end()) {
            char c = s_[pos_];
            if (std::isdigit(static_cast<unsigned char>(c)) || c == '_') {
                ++pos_;
            } else if (c == '.' || c == 'e' || c == 'E') {
                is_float = true;
                ++pos_;
                if ((c == 'e' || c == 'E') && !at_end() && (s_[pos_] == '-' || s_[pos_] == '+'))
                    ++pos_;
            } else {
                break;
            }
        }
        std::string digits;
        for (char c : s_.substr(start, pos_ - start))
            if (c != '_' && c != '+') digits += c;
        if (digits.empty() || digits == "-") return std::nullopt;
        const char* b = digits.data();
        const char* e = b + digits.size();
        if (!is_float) {
            std::int64_t v = 0;
            auto [p, ec] = std::from_chars(b, e, v);
            if (ec == std::errc() && p == e) return nlohmann::json(v);
        }
        double d = 0;
        auto [p, ec] = std::from_chars(b, e, d);
        if (ec != std::errc() || p != e) return std::nullopt;
        return nlohmann::json(d);
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    static void utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    std::optional<nlohmann::json> string(char quote) {
        ++pos_;
        std::string out;
        while (!at_end()) {
            char c = s_[pos_++];
            if (c == quote) return nlohmann::json(std::move(out));
            if (c == '\n') return std::nullopt;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_end()) return std::nullopt;
            char e = s_[pos_++];
            switch (e) {
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case '0':
                    out += '\0';
                    break;
                case '\\':
                case '\'':
                case '"':
                    out += e;
                    break;
                case 'x':
                case 'u': {
                    std::size_t n = e == 'x' ? 2 : 4;
                    if (pos_ + n > s_.size()) return std::nullopt;
                    unsigned cp = 0;
                    for (std::size_t i = 0; i < n; ++i) {
                        int h = hex(s_[pos_ + i]);
                        if (h < 0) return std::nullopt;
                        cp = cp * 16 + static_cast<unsigned>(h);
                    }
                    pos_ += n;
                    utf8(out, cp);
                    break;
                }
                default:  // Python keeps unknown escapes as written
                    out += '\\';
                    out += e;
            }
        }
        return std::nullopt;
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

}  // namespace

std::optional<nlohmann::json> parse_python_args(std::string_view text) {
    LiteralParser parser(text);
    return parser.sequence(0, 0);
}

}  // namespace braid::planner::llmcompiler
