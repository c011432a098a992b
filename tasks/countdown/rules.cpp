#include "tasks/countdown/rules.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace braid::tasks::countdown {

namespace {

Error rule_error(std::string what) { return make_error(ErrorCode::invalid_input, std::move(what)); }

// Parses a run of decimal digits (no sign) into a Value; false on empty or overflow.
bool parse_value(std::string_view digits, Value& out) {
    if (digits.empty()) return false;
    for (char c : digits)
        if (c < '0' || c > '9') return false;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return ec == std::errc() && ptr == digits.data() + digits.size();
}

class Solver {
public:
    explicit Solver(Value target) : target_(target) {}

    bool search(std::vector<Value>& numbers, std::vector<std::string>& path) {
        if (numbers.size() == 1) return numbers[0] == target_;
        std::vector<Value> key = numbers;
        std::sort(key.begin(), key.end());
        if (!dead_.insert(key).second) return false;  // this multiset already failed
        for (std::size_t i = 0; i < numbers.size(); ++i) {
            for (std::size_t j = i + 1; j < numbers.size(); ++j) {
                std::vector<Value> rest;
                for (std::size_t k = 0; k < numbers.size(); ++k)
                    if (k != i && k != j) rest.push_back(numbers[k]);
                for (const Operation& move : combine(numbers[i], numbers[j])) {
                    std::vector<Value> next = rest;
                    next.push_back(move.result);
                    path.push_back(format_operation(move));
                    if (search(next, path)) return true;
                    path.pop_back();
                }
            }
        }
        return false;
    }

private:
    Value target_;
    std::set<std::vector<Value>> dead_;
};

}  // namespace

std::string format_operation(const Operation& operation) {
    return std::to_string(operation.lhs) + operation.op + std::to_string(operation.rhs) + "=" +
           std::to_string(operation.result);
}

std::optional<Operation> parse_operation(std::string_view text) {
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view left = text.substr(0, eq);
    std::size_t at = left.find_first_of("+-*/");
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    Operation out;
    out.op = left[at];
    if (!parse_value(left.substr(0, at), out.lhs) || !parse_value(left.substr(at + 1), out.rhs) ||
        !parse_value(text.substr(eq + 1), out.result))
        return std::nullopt;
    return out;
}

Result<Value> evaluate(Value lhs, char op, Value rhs) {
    Value out = 0;
    const std::string shown = std::to_string(lhs) + op + std::to_string(rhs);
    switch (op) {
        case '+':
            if (__builtin_add_overflow(lhs, rhs, &out)) return rule_error(shown + " overflows");
            return out;
        case '*':
            if (__builtin_mul_overflow(lhs, rhs, &out)) return rule_error(shown + " overflows");
            return out;
        case '-':
            if (lhs < rhs)
                return rule_error(shown + " is negative (subtract the smaller from the larger)");
            return lhs - rhs;
        case '/':
            if (rhs == 0) return rule_error(shown + " divides by zero");
            if (lhs % rhs != 0) return rule_error(shown + " is not an exact division");
            return lhs / rhs;
        default:
            return rule_error(std::string("unknown operator '") + op + "'");
    }
}

std::vector<Operation> combine(Value a, Value b) {
    std::vector<Operation> moves;
    Value v = 0;
    if (!__builtin_add_overflow(a, b, &v)) moves.push_back({a, '+', b, v});
    if (!__builtin_mul_overflow(a, b, &v)) moves.push_back({a, '*', b, v});
    const Value hi = std::max(a, b), lo = std::min(a, b);
    moves.push_back({hi, '-', lo, hi - lo});
    if (lo != 0 && hi % lo == 0) moves.push_back({hi, '/', lo, hi / lo});
    return moves;
}

std::string format_numbers(const std::vector<Value>& numbers) {
    std::string out = "[";
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        if (i > 0) out += ", ";
        out += std::to_string(numbers[i]);
    }
    return out + "]";
}

std::string format_operations(const std::vector<std::string>& operations) {
    std::string out = "[";
    for (std::size_t i = 0; i < operations.size(); ++i) {
        if (i > 0) out += ", ";
        out += "'" + operations[i] + "'";
    }
    return out + "]";
}

std::vector<Value> to_values(const std::vector<int>& numbers) {
    return std::vector<Value>(numbers.begin(), numbers.end());
}

std::optional<std::vector<std::string>> solve(const std::vector<Value>& numbers, Value target) {
    if (numbers.empty()) return std::nullopt;
    std::vector<Value> work = numbers;
    std::vector<std::string> path;
    Solver solver(target);
    if (!solver.search(work, path)) return std::nullopt;
    return path;
}

std::optional<std::vector<std::string>> solve(const Problem& problem) {
    return solve(to_values(problem.numbers), problem.target);
}

}  // namespace braid::tasks::countdown
