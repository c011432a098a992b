#pragma once
// The Countdown moves (reference/parallel.md §1.4) and their text forms.
//
// A move takes two numbers a, b (a listed before b) and yields one of:
//   a+b      "a+b=c"
//   a*b      "a*b=c"
//   hi-lo    "hi-lo=c"  larger minus smaller, never negative (equal numbers give 0)
//   hi/lo    "hi/lo=c"  only when lo != 0 and lo divides hi exactly
// The result replaces both operands. Values are 64-bit; a product that would overflow is not a
// move. Lists print like Python's: numbers "[22, 26, 31, 53]", operations "['53-22=31',
// '26*2=52']".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "tasks/countdown/problem.hpp"

namespace braid::tasks::countdown {

using Value = std::int64_t;

struct Operation {
    Value lhs = 0;
    char op = '+';  // one of + - * /
    Value rhs = 0;
    Value result = 0;
    friend bool operator==(const Operation&, const Operation&) = default;
};

// "53-22=31".
std::string format_operation(const Operation& operation);
// Parses "a op b=c" with non-negative decimal integers and no spaces; nullopt if malformed.
std::optional<Operation> parse_operation(std::string_view text);
// The value of `lhs op rhs` under the rules, or an invalid_input error saying which rule breaks
// (negative subtraction, inexact division, division by zero, overflow, unknown operator).
Result<Value> evaluate(Value lhs, char op, Value rhs);

// Every legal move on the ordered pair (a, b), in the order + * - /.
std::vector<Operation> combine(Value a, Value b);

std::string format_numbers(const std::vector<Value>& numbers);
std::string format_operations(const std::vector<std::string>& operations);

std::vector<Value> to_values(const std::vector<int>& numbers);

// Depth-first search over every pair and move; the operations of the first solution found, in
// order, or nullopt if `target` cannot be reached.
std::optional<std::vector<std::string>> solve(const Problem& problem);
std::optional<std::vector<std::string>> solve(const std::vector<Value>& numbers, Value target);

}  // namespace braid::tasks::countdown
