#pragma once
// SoS+ (reference/parallel.md §1.5): the serialized hybrid search that writes one long trace.
// A heuristic beam/best-first search: pop the `beam` best open nodes, expand every pair × move,
// keep the `beam` best children by mult_heuristic, shuffle them and write their lines. After each
// expansion a coin (promising_threshold) decides whether to dive depth-first into the children
// inline, writing "Start Sub Search at level k: Moving to Node #X" ... "Exit Sub Search at level k"
// (+ "No solution found in sub search" when the dive fails). The beam size is drawn in
// [min_beam_size, max_beam_size] per trace. A trace that reaches the goal ends with the goal line,
// the clean replay from the start node and the "Exit Sub Search" lines of the open dives; one that
// does not ends with "No solution found.".
//
// Deterministic: the same state, seed and options give the same trace everywhere.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/countdown/prompt.hpp"

namespace braid::tasks::countdown {

struct SosOptions {
    int min_beam_size = 1;
    int max_beam_size = 5;
    double promising_threshold = 0.5;  // chance of diving into an expansion's children
};

struct SearchResult {
    std::string trace;  // the full text: state_prompt(start) + "\n" + the search lines
    bool solved = false;
    std::vector<std::string> solution;  // operations from the start state, when solved
    int beam_size = 0;
};

SearchResult sos_plus_search(const State& start, std::uint64_t seed,
                             const SosOptions& options = {});

// What a model writes after the prompt: `trace` from the end of its first "Current State:" line
// (so it starts with "\n"). The whole trace if it has no state line.
std::string_view after_state_line(std::string_view trace);

}  // namespace braid::tasks::countdown
