#pragma once
// A safe arithmetic evaluator (hand-written recursive descent, no eval): numbers with decimals
// and exponents, + - * /, parentheses, unary minus and plus. Anything else — names, other
// operators, unbalanced parentheses, division by zero, a non-finite result — is an invalid_input
// error saying what and where. Nesting deeper than kMaxDepth is refused (no stack exhaustion).

#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "workers/tools/tool.hpp"

namespace braid::workers::tools {

inline constexpr int kMaxCalculatorDepth = 200;

Result<double> evaluate_arithmetic(std::string_view expression);
// "12" for integers (up to 2^53), otherwise up to 12 significant digits.
std::string format_number(double value);

// calculator(expression): the tool around evaluate_arithmetic. Pure computation, run inline.
std::unique_ptr<Tool> make_calculator_tool();

}  // namespace braid::workers::tools
