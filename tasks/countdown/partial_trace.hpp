#pragma once
// A heuristic score of a partial Countdown trace, for step search (planner/search): how promising
// the text a thread wrote so far is, before the checker (checker.hpp) can accept it.
//
// Lines are checked with the checker's rules, relative to the node the trace is at:
//   "Current State: T:[nums], Operations: [...]"  moves to a node; T must be the start's target
//       and applying the listed operations (beyond the start's own) to the start numbers must
//       give nums
//   "Exploring Operation: a op b=c, Resulting Numbers: [...]"  a and b must be in the current
//       node's numbers, the arithmetic right (rules.hpp) and the stated list the numbers after
//       the move (order ignored); it does not move the trace to that node
//   "T,T equal: Goal Reached"  only after a state or move whose numbers are exactly [T]
// Other lines (Moving to Node, Generated Node, sub-search markers) are not checked. A last line
// without its newline is checked only if it already parses (a step cut mid-line is not wrong).
//
// Score in [0, 1]: 0 when a checked line breaks a rule; otherwise, for the most promising number
// list the trace reached (start, states and explored moves), 0.5 * closeness + 0.5 * progress,
// where closeness = 1 / (1 + h / T) with h the search's mult heuristic (the summed distance of
// each number to the nearest factor of T, search_tree.hpp) and progress = the share of the start
// numbers already combined away. Exactly [T] scores 1. Never throws on malformed text.

#include <string>
#include <string_view>
#include <vector>

#include "tasks/countdown/prompt.hpp"
#include "tasks/countdown/rules.hpp"

namespace braid::tasks::countdown {

struct PartialTrace {
    bool valid = true;                // every checked line follows the rules
    std::string reason;               // the first rule broken; "" when valid
    std::vector<Value> best_numbers;  // the most promising number list reached
    double score = 0;                 // in [0, 1], see above
};

PartialTrace score_partial_trace(const State& start, std::string_view text);
PartialTrace score_partial_trace(const Problem& problem, std::string_view text);

}  // namespace braid::tasks::countdown
