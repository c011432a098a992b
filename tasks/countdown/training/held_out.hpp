#pragma once
// Which Countdown problems are for evaluation and which may be trained on.
//
// Problems come from generate(seed, count, {pool}) (generator.hpp). Seeds below kFirstTrainingSeed
// are evaluation seeds: `braid countdown generate`, the demo, bench/countdown_model and tests draw
// from them. Training traces (training_traces.hpp) come only from seeds at or above it, and on top
// of that every training problem that equals a held-out problem of either pool (same numbers in
// any order, same target) is dropped, so the held-out sets below can never leak into training.

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/problem.hpp"

namespace braid::tasks::countdown {

inline constexpr std::uint64_t kFirstTrainingSeed = 1'000'000;
// The held-out problems of a pool: generate(kHeldOutSeed, kHeldOutCount, {pool}) — the same as
// `braid countdown generate --seed 1 --pool POOL`. bench/countdown_model uses the first 500, the
// demo the first few.
inline constexpr std::uint64_t kHeldOutSeed = 1;
inline constexpr std::size_t kHeldOutCount = 1000;

std::vector<Problem> held_out_problems(NumberPool pool, std::size_t count = kHeldOutCount);

// Sorted numbers and the target, e.g. "22,26,31,53:27": equal for problems that differ only in
// the order of their numbers.
std::string problem_key(const Problem& problem);

// The keys of held_out_problems() of every pool, for the training filter.
std::unordered_set<std::string> held_out_keys();

}  // namespace braid::tasks::countdown
