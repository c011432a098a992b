#include "tasks/answer/final_answer.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace braid::tasks::answer {

namespace {

constexpr double kRelativeTolerance = 1e-9;

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// The last `Finish(` ... matching `)`; parentheses inside the answer are balanced.
std::optional<std::string> last_finish(std::string_view out) {
    constexpr std::string_view open = "Finish(";
    std::size_t at = out.rfind(open);
    if (at == std::string_view::npos) return std::nullopt;
    std::size_t begin = at + open.size();
    int depth = 1;
    for (std::size_t i = begin; i < out.size(); ++i) {
        if (out[i] == '(') ++depth;
        if (out[i] == ')' && --depth == 0) return std::string(trim(out.substr(begin, i - begin)));
    }
    // Unclosed (a reply cut by a length cap): the rest of that line.
    std::string_view rest = out.substr(begin);
    return std::string(trim(rest.substr(0, rest.find('\n'))));
}

std::optional<std::string> last_boxed(std::string_view out) {
    constexpr std::string_view open = "\\boxed{";
    std::size_t at = out.rfind(open);
    if (at == std::string_view::npos) return std::nullopt;
    std::size_t begin = at + open.size();
    int depth = 1;
    for (std::size_t i = begin; i < out.size(); ++i) {
        if (out[i] == '{') ++depth;
        if (out[i] == '}' && --depth == 0) return std::string(trim(out.substr(begin, i - begin)));
    }
    return std::nullopt;
}

std::optional<std::string> answer_line(std::string_view out) {
    out = trim(out);
    std::size_t nl = out.rfind('\n');
    std::string_view last = trim(nl == std::string_view::npos ? out : out.substr(nl + 1));
    constexpr std::string_view prefix = "answer:";
    if (last.size() < prefix.size()) return std::nullopt;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(last[i])) != prefix[i]) return std::nullopt;
    return std::string(trim(last.substr(prefix.size())));
}

}  // namespace

std::optional<std::string> extract_final_answer(std::string_view output) {
    if (auto a = last_finish(output)) return a;
    if (auto a = last_boxed(output)) return a;
    return answer_line(output);
}

std::optional<double> parse_number(std::string_view text) {
    text = trim(text);
    std::string digits;
    for (char c : text)
        if (c != ',') digits += c;
    if (digits.empty()) return std::nullopt;
    // Thousands commas only as in "1,000" or "-12,345.5": groups of three digits before any dot.
    if (digits.size() != text.size()) {
        std::string_view whole = text.substr(0, text.find('.'));
        if (!whole.empty() && (whole.front() == '-' || whole.front() == '+'))
            whole.remove_prefix(1);
        std::size_t first = whole.find(',');
        if (first == 0 || first > 3) return std::nullopt;
        for (std::size_t i = first; i < whole.size(); i += 4)
            if (whole[i] != ',' || i + 4 > whole.size()) return std::nullopt;
    }
    const char* begin = digits.data();
    const char* end = digits.data() + digits.size();
    if (*begin == '+') ++begin;
    double value = 0;
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
    return value;
}

std::string normalize_answer(std::string_view answer) {
    std::string_view s = trim(answer);
    if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
        s = trim(s.substr(1, s.size() - 2));
    if (!s.empty() && s.back() == '.') s = trim(s.substr(0, s.size() - 1));
    if (auto n = parse_number(s)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.15g", *n == 0 ? 0.0 : *n);
        return buf;
    }
    std::string out;
    bool space = false;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

bool answers_match(std::string_view a, std::string_view b) {
    std::string na = normalize_answer(a);
    std::string nb = normalize_answer(b);
    if (na == nb) return true;
    auto x = parse_number(na);
    auto y = parse_number(nb);
    if (!x || !y) return false;
    double scale = std::max({1.0, std::fabs(*x), std::fabs(*y)});
    return std::fabs(*x - *y) <= kRelativeTolerance * scale;
}

}  // namespace braid::tasks::answer
