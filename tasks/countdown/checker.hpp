#pragma once
// The Countdown checker (reference/parallel.md §1.4), as the APR runtime applies it.
//
// How the solution path is found. A search trace explores many branches, so its Exploring
// Operation lines are not a path. Every trace that reaches the goal ends the same way: the line
// "T,T equal: Goal Reached", then a clean replay of the path from the start node ("Moving to
// Node #0", then Current State / Exploring Operation / Generated Node / Moving to Node per step),
// ending in a second "T,T equal: Goal Reached". So, like the reference runtime, the checker takes
// the text after the second-to-last occurrence of "Goal Reached" as the solution path. A trace
// with exactly one occurrence is a direct solution (direct_trace.hpp): its whole text is the path. In an APR parent the "<Goal Reached in Sub Search ...>"
// tags count as occurrences too, which is what makes the final replay from #0 the path.
//
// How the path is verified. Starting from the start numbers, each "Exploring Operation: a op b=c,
// Resulting Numbers: [...]" line of the path must use two numbers present in the current multiset,
// follow the rules (rules.hpp: no negative subtraction, exact division only) with c right, and the
// stated list must equal the multiset after the move (order ignored). The trace is solved iff the
// first "Goal Reached" line of the path comes when the list is exactly [T].
//
// Never throws on malformed text; `reason` says what failed.

#include <string>
#include <string_view>
#include <vector>

#include "tasks/countdown/problem.hpp"
#include "tasks/countdown/prompt.hpp"
#include "tasks/countdown/rules.hpp"

namespace braid::tasks::countdown {

struct CheckResult {
    bool solved = false;
    std::string reason;                   // "ok" when solved, else what failed
    std::vector<std::string> operations;  // the verified path's operations in order ("53-22=31")
    std::vector<Value> start_numbers;     // the numbers the path starts from
    Value target = 0;
};

// Checks `trace` (a completion, or prompt + completion) against a start state.
CheckResult check_trace(const State& start, std::string_view trace);
CheckResult check_trace(const Problem& problem, std::string_view trace);
// Reads the start state from `prompt` (parse_state); unparsable prompts give solved = false.
CheckResult check_prompt_trace(std::string_view prompt, std::string_view trace);

// A canonical key of a solved path, for majority voting: the path as an expression over the start
// numbers with + and * chains flattened and their operands sorted, e.g. "((22+53)-(26+31))".
// Paths that differ only in operand order or in the order of independent moves share a key.
// "no-solution" when the result is not solved.
std::string normalized_answer(const CheckResult& result);

}  // namespace braid::tasks::countdown
