#pragma once
// Seeded Countdown problems as in the APR paper's data (reference/parallel.md §1.4): 4 numbers
// uniform in [1, 99], target uniform in [10, 100], kept only if the DFS solver finds a solution.
// Uses the portable Rng, so a seed gives the same problems on every platform.

#include <cstdint>
#include <string>
#include <vector>

#include "tasks/countdown/problem.hpp"

namespace braid::tasks::countdown {

struct GeneratorOptions {
    std::size_t num_count = 4;
    int min_number = 1;
    int max_number = 99;
    int min_target = 10;
    int max_target = 100;
};

// `count` solvable problems drawn from `seed`. Deterministic; candidates that the solver cannot
// solve are skipped (they still consume draws).
std::vector<Problem> generate(std::uint64_t seed, std::size_t count,
                              const GeneratorOptions& options = {});

// Rows "cd-1", "cd-2", ... for `problems`, one JSONL line each (no trailing newline per line).
std::vector<std::string> problems_to_jsonl(const std::vector<Problem>& problems,
                                           const std::string& id_prefix = "cd-");

}  // namespace braid::tasks::countdown
