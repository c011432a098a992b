#pragma once
// The prompts a Countdown thread receives (reference/parallel.md §1.2) and their parser.
//
//   root:   Moving to Node #0
//           Current State: 27:[22, 26, 31, 53], Operations: []
//   child:  Moving to Node #0,1
//           Current State: 27:[26, 31, 31], Operations: ['53-22=31']
//
// A root prompt may start with "Sub Call Budget: N " and a child prompt with "Token Budget: N ".
// Prompts carry no trailing newline: the model's continuation starts with "\n".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "tasks/countdown/problem.hpp"
#include "tasks/countdown/rules.hpp"

namespace braid::tasks::countdown {

// A search node as the text shows it: its id (comma path without '#'), the target, the numbers
// left and the operations that led here from the root.
struct State {
    std::string node_id = "0";
    Value target = 0;
    std::vector<Value> numbers;
    std::vector<std::string> operations;
    friend bool operator==(const State&, const State&) = default;
};

struct ParsedState {
    State state;
    std::optional<std::int64_t> sub_call_budget;  // "Sub Call Budget: N "
    std::optional<std::int64_t> token_budget;     // "Token Budget: N "
};

State root_state(const Problem& problem);

// "Current State: 27:[22, 26, 31, 53], Operations: []" (no newline).
std::string state_line(const State& state);
// "Moving to Node #<id>\n" + state_line(state).
std::string state_prompt(const State& state);
// The root prompt, optionally prefixed "Sub Call Budget: N ".
std::string root_prompt(const Problem& problem,
                        std::optional<std::int64_t> sub_call_budget = std::nullopt);

// Reads the first "Current State: T:[nums], Operations: [...]" line of a prompt or trace, the node
// id from a "Moving to Node #X" just before it (default "0" when absent) and any budget prefixes.
// ErrorCode::parse, saying what is missing, when there is no well-formed state line.
Result<ParsedState> parse_state(std::string_view prompt_or_trace);

}  // namespace braid::tasks::countdown
