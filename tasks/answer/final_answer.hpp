#pragma once
// Extracting and comparing free-form final answers (math / QA rows of the `answer` task kind).
//
//   extract_final_answer  the answer an output commits to, by precedence: the last
//                         `Finish(...)` (LLMCompiler's joiner), the last `\boxed{...}` (braces
//                         balanced), or a last non-empty line `Answer: ...`; nullopt when none.
//   normalize_answer      the comparison key: trimmed, case-folded, inner whitespace collapsed,
//                         one pair of surrounding quotes and a trailing period dropped; a number
//                         becomes its canonical decimal form ("3.50" → "3.5", "1,000" → "1000").
//   answers_match         equal keys, or both numbers within a relative 1e-9.
// Pure functions; never throw.

#include <optional>
#include <string>
#include <string_view>

namespace braid::tasks::answer {

std::optional<std::string> extract_final_answer(std::string_view output);
std::string normalize_answer(std::string_view answer);
// The number `text` holds as a whole (sign, digits, thousands commas, decimals, exponent).
std::optional<double> parse_number(std::string_view text);
bool answers_match(std::string_view a, std::string_view b);

}  // namespace braid::tasks::answer
