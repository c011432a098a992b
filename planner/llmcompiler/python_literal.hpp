#pragma once
// Parses a plan step's argument text the way LLMCompiler does with Python's ast.literal_eval
// (reference/parallel.md §4.1): a comma-separated tuple of literals — strings in either quote kind
// with backslash escapes (\n \t \r \\ \' \" \0 \xNN \uNNNN), integers and floats (sign, exponent),
// True/False/None, and lists or tuples of those (nested). A trailing comma is allowed.
// The result is a JSON array of the values; nullopt when the text is not such a tuple (the caller
// then falls back to the raw text as one string argument). Never throws.

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace braid::planner::llmcompiler {

std::optional<nlohmann::json> parse_python_args(std::string_view text);

}  // namespace braid::planner::llmcompiler
