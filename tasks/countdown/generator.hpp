#pragma once
// Seeded Countdown problems. The default is the APR paper's data (reference/parallel.md §1.4): 4
// numbers uniform in [1, 99], target uniform in [10, 100], kept only if the DFS solver finds a
// solution. The classic pool draws the numbers from the TV game's cards instead (small numbers,
// easy arithmetic: what braid's own small model is trained on, models/README.md). Uses the
// portable Rng, so a seed gives the same problems on every platform.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tasks/countdown/problem.hpp"

namespace braid::tasks::countdown {

// Where a problem's numbers come from.
enum class NumberPool {
    uniform,  // each number uniform in [min_number, max_number]
    classic,  // without replacement from 24 cards: 1..10 twice each, 25, 50, 75, 100
};

std::string_view to_string(NumberPool pool);
std::optional<NumberPool> parse_number_pool(std::string_view text);

struct GeneratorOptions {
    NumberPool pool = NumberPool::uniform;
    std::size_t num_count = 4;
    int min_number = 1;  // min_number and max_number: the uniform pool's range
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
