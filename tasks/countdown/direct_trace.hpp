#pragma once
// Direct solutions: the text a model writes when it answers a Countdown problem with one path and
// no search. It is the clean replay the searches end with (search_tree.hpp), read after the root
// prompt (prompt.hpp), so the planners, the checker and the step scorer read it unchanged:
//
//   <root prompt: "Moving to Node #0\nCurrent State: 27:[22, 26, 31, 53], Operations: []">
//   Exploring Operation: 53-22=31, Resulting Numbers: [26, 31, 31]
//   Generated Node #0,0: 27:[26, 31, 31] Operation: 53-22=31
//   Moving to Node #0,0
//   Current State: 27:[26, 31, 31], Operations: ['53-22=31']
//   ... one such group per move ...
//   Exploring Operation: 26+1=27, Resulting Numbers: [27]
//   27,27 equal: Goal Reached
//
// The completion starts with "\n" (the prompt has no trailing newline) and ends with "\n".

#include <cstdint>
#include <string>
#include <vector>

#include "tasks/countdown/problem.hpp"

namespace braid::tasks::countdown {

// Every distinct solution of `problem`: sequences of operations ("53-22=31") that leave exactly
// [target]. A move on (a, b) and on (b, a) that writes the same text counts once. Order: the
// order of a depth-first walk over pairs (i < j) and moves; deterministic.
std::vector<std::vector<std::string>> all_solutions(const Problem& problem);

// The completion after root_prompt(problem) for the solution `operations`. The operations must
// be a solution (asserted): this writes text, it does not check it.
std::string direct_completion(const Problem& problem, const std::vector<std::string>& operations);

}  // namespace braid::tasks::countdown
