#pragma once
// The symbolic APR model: what a thread trained on APR traces (reference/parallel.md §1.5) writes
// in one call, computed by search instead of a network. It is the model behind
// `--backend symbolic-apr`; apr_search() drives it offline exactly as the APR planner does online.
//
// A thread starts at the state of its prompt (the root "#0" or a child's node) and runs the
// heuristic beam search of SoS+. After an expansion of a node at tree depth d (commas in its id)
// with more than one child, it spawns one child thread per child node when d < spawn_depth and a
// coin with probability promising_threshold says so: its call then ends with the spawn block
// (`<Start Sub Search i at level d+1>`). A continuation prompt is the thread's own text with each
// spawn block replaced by a join block (apr_protocol.hpp); the model replays its search (same
// seed, same draws) through those joins — a join with a solved child ends the thread with the goal
// line and the clean replay from its start — and writes on to the next spawn or the end.
//
// Beam sizes are drawn from the seed: the root thread (node "0") in [min_beam_size,
// max_beam_size], child threads in [max_beam_size, sub_call_beam_size] (children search wider).
// Deterministic: the same prompt, seed and options give the same completion everywhere.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace braid::tasks::countdown {

struct AprOptions {
    int min_beam_size = 1;
    int max_beam_size = 10;
    int sub_call_beam_size = 15;
    double promising_threshold = 0.9;  // chance that an expansion with > 1 child spawns
    int spawn_depth = 1;  // nodes shallower than this may spawn (1: the root's first level only)
};

// The completion the model writes after `prompt` (a root or child state prompt, optionally with
// budget prefixes and earlier join blocks). Errors: ErrorCode::invalid_input when the prompt holds
// no Countdown state or is not a continuation of this model's own search with this seed (text
// that differs from what it would have written, or a join block that does not parse).
Result<std::string> apr_completion(std::string_view prompt, std::uint64_t seed,
                                   const AprOptions& options = {});

// The seed of child `child` of spawn `spawn` (both from 0) of a thread with seed `seed`; the APR
// planner draws its children's seeds with the same rule.
std::uint64_t apr_child_seed(std::uint64_t seed, int spawn, int child);

}  // namespace braid::tasks::countdown
