#include "workers/tools/calculator.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "workers/tools/tool_args.hpp"

namespace braid::workers::tools {

namespace {

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

// expr   := term (('+' | '-') term)*
// term   := unary (('*' | '/') unary)*
// unary  := ('-' | '+') unary | atom
// atom   := number | '(' expr ')'
class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    Result<double> parse_all() {
        auto value = expr(0);
        if (!value) return value;
        skip_space();
        if (pos_ < text_.size()) return fail("unexpected '" + std::string(1, text_[pos_]) + "'");
        return value;
    }

private:
    Error fail(std::string why) const {
        return make_error(ErrorCode::invalid_input, "calculator: " + why + " at position " +
                                                        std::to_string(pos_) + " in '" +
                                                        std::string(text_) + "'");
    }
    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    }
    bool take(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    Result<double> expr(int depth) {
        auto left = term(depth);
        if (!left) return left;
        double value = *left;
        for (;;) {
            bool plus = take('+');
            if (!plus && !take('-')) return value;
            auto right = term(depth);
            if (!right) return right;
            value = plus ? value + *right : value - *right;
        }
    }

    Result<double> term(int depth) {
        auto left = unary(depth);
        if (!left) return left;
        double value = *left;
        for (;;) {
            bool times = take('*');
            if (!times && !take('/')) return value;
            auto right = unary(depth);
            if (!right) return right;
            if (!times && *right == 0) return fail("division by zero");
            value = times ? value * *right : value / *right;
        }
    }

    Result<double> unary(int depth) {
        if (depth > kMaxCalculatorDepth) return fail("expression nested too deeply");
        if (take('-')) {
            auto v = unary(depth + 1);
            if (!v) return v;
            return -*v;
        }
        if (take('+')) return unary(depth + 1);
        return atom(depth);
    }

    Result<double> atom(int depth) {
        skip_space();
        if (take('(')) {
            auto v = expr(depth + 1);
            if (!v) return v;
            if (!take(')')) return fail("missing ')'");
            return v;
        }
        if (pos_ >= text_.size()) return fail("expected a number");
        std::size_t start = pos_;
        while (pos_ < text_.size() &&
               (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.'))
            ++pos_;
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E') && pos_ > start) {
            std::size_t exp = pos_ + 1;
            if (exp < text_.size() && (text_[exp] == '+' || text_[exp] == '-')) ++exp;
            if (exp < text_.size() && std::isdigit(static_cast<unsigned char>(text_[exp]))) {
                pos_ = exp;
                while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])))
                    ++pos_;
            }
        }
        if (pos_ == start) return fail("unexpected '" + std::string(1, text_[pos_]) + "'");
        std::string_view number = text_.substr(start, pos_ - start);
        double value = 0;
        auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
        if (ec != std::errc() || ptr != number.data() + number.size()) {
            pos_ = start;
            return fail("malformed number '" + std::string(number) + "'");
        }
        return value;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

class CalculatorTool final : public Tool {
public:
    std::string_view name() const override { return "calculator"; }
    std::string_view description() const override {
        return "calculator(expression: str) -> number. Evaluates an arithmetic expression with "
               "numbers, + - * /, parentheses and unary minus, e.g. calculator(\"(3 + 4) * 2.5\"). "
               "Nothing else (no names, no functions).";
    }
    asio::awaitable<Result<ToolOutput>> run(nlohmann::json json,
                                            asio::thread_pool&) const override {
        ToolArgs args(name(), json);
        if (args.size() != 1)
            co_return make_error(ErrorCode::invalid_input,
                                 "calculator takes one argument (an expression)");
        auto expression = args.string(0, "expression");
        if (!expression) co_return std::move(expression).error();
        auto value = evaluate_arithmetic(*expression);
        if (!value) co_return std::move(value).error();
        co_return ToolOutput{format_number(*value), {}};
    }
};

}  // namespace

Result<double> evaluate_arithmetic(std::string_view expression) {
    Parser parser(expression);
    auto value = parser.parse_all();
    if (value && !std::isfinite(*value))
        return make_error(
            ErrorCode::invalid_input,
            "calculator: the result of '" + std::string(expression) + "' is not finite");
    return value;
}

std::string format_number(double value) {
    if (value == 0) return "0";  // no "-0"
    char buf[64];
    if (std::fabs(value) <= kMaxExactInteger && value == std::trunc(value))
        std::snprintf(buf, sizeof buf, "%.0f", value);
    else
        std::snprintf(buf, sizeof buf, "%.12g", value);
    return buf;
}

std::unique_ptr<Tool> make_calculator_tool() {
    return std::make_unique<CalculatorTool>();
}

}  // namespace braid::workers::tools
