#pragma once
// A cursor over one line of Countdown trace text, shared by the prompt and trace parsers. Every
// method returns false (and leaves the cursor where it failed) instead of throwing: model output is
// untrusted and malformed lines are normal.

#include <string_view>
#include <vector>

#include "tasks/countdown/rules.hpp"

namespace braid::tasks::countdown::detail {

class Scanner {
public:
    explicit Scanner(std::string_view text) : text_(text) {}

    std::string_view rest() const { return text_.substr(pos_); }
    bool done() const { return pos_ >= text_.size(); }
    void skip_spaces() {
        while (pos_ < text_.size() &&
               (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r'))
            ++pos_;
    }
    bool literal(std::string_view word) {
        if (rest().substr(0, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }
    bool value(Value& out) {
        std::size_t end = pos_;
        while (end < text_.size() && text_[end] >= '0' && text_[end] <= '9') ++end;
        if (end == pos_ || end - pos_ > 18) return false;  // 18 digits always fit in int64
        out = 0;
        for (std::size_t i = pos_; i < end; ++i) out = out * 10 + (text_[i] - '0');
        pos_ = end;
        return true;
    }
    // "[1, 2, 3]" (spaces optional, may be empty).
    bool value_list(std::vector<Value>& out) {
        out.clear();
        if (!literal("[")) return false;
        skip_spaces();
        if (literal("]")) return true;
        for (;;) {
            skip_spaces();
            Value v = 0;
            if (!value(v)) return false;
            out.push_back(v);
            skip_spaces();
            if (literal("]")) return true;
            if (!literal(",")) return false;
        }
    }
    // "['53-22=31', \"26*2=52\"]" (may be empty); items are kept verbatim without quotes.
    bool quoted_list(std::vector<std::string>& out) {
        out.clear();
        if (!literal("[")) return false;
        skip_spaces();
        if (literal("]")) return true;
        for (;;) {
            skip_spaces();
            if (done()) return false;
            char quote = text_[pos_];
            if (quote != '\'' && quote != '"') return false;
            std::size_t close = text_.find(quote, pos_ + 1);
            if (close == std::string_view::npos) return false;
            out.emplace_back(text_.substr(pos_ + 1, close - pos_ - 1));
            pos_ = close + 1;
            skip_spaces();
            if (literal("]")) return true;
            if (!literal(",")) return false;
        }
    }
    // A node id after '#': digits separated by commas ("0", "0,1,2").
    bool node_id(std::string& out) {
        std::size_t end = pos_;
        while (end < text_.size() &&
               ((text_[end] >= '0' && text_[end] <= '9') || text_[end] == ','))
            ++end;
        if (end == pos_ || text_[pos_] == ',' || text_[end - 1] == ',') return false;
        out.assign(text_.substr(pos_, end - pos_));
        pos_ = end;
        return true;
    }
    // An operation token up to the next ',' or space ("53-22=31").
    bool operation(Operation& out) {
        std::size_t end = pos_;
        while (end < text_.size() && text_[end] != ',' && text_[end] != ' ' && text_[end] != '\r')
            ++end;
        auto parsed = parse_operation(text_.substr(pos_, end - pos_));
        if (!parsed) return false;
        out = *parsed;
        pos_ = end;
        return true;
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

// Splits `text` into lines without their '\n' (a trailing '\r' is kept; Scanner skips it).
inline std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            if (start < text.size()) lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

}  // namespace braid::tasks::countdown::detail
