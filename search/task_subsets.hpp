#pragma once
// Seeded, portable draws over dev tasks and stored samples, shared by the evaluators: the same
// seed gives the same numbers on every standard library (no std::shuffle or distributions).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace braid::search {

// The first `n` of a seeded Fisher–Yates shuffle of 0..size-1 (so a larger n draws a superset of a
// smaller one), or `n` draws with replacement when n > size. Empty when size is 0.
std::vector<std::size_t> draw_indices(std::size_t size, std::size_t n, std::uint64_t seed);

// How many of `tasks` dev tasks a trial at `fidelity` sees: round(fidelity · tasks), at least 1
// (0 when there are no tasks). The evaluators take that prefix of a seeded order of the tasks.
std::size_t fidelity_count(double fidelity, std::size_t tasks);

}  // namespace braid::search
