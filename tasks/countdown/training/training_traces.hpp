#pragma once
// Training traces for braid's own Countdown models (models/README.md), written by the generator
// and the symbolic searches in the exact text the planners read:
//   direct — one row per problem: root_prompt() and a direct completion (direct_trace.hpp) for a
//            solution drawn uniformly from all_solutions();
//   sosp   — one row per problem: root_prompt() and the SoS+ search after it (standin/search.hpp),
//            solved or not;
//   apr    — one row per model call of an APR run (standin/apr_search.hpp): the parent's calls
//            (join blocks spliced in) and every child's call, as the APR planner makes them.
// Problems come from generate(seed, ..., {pool}) with seed >= kFirstTrainingSeed, held-out problems
// dropped (held_out.hpp). Deterministic: a seed and count give the same rows everywhere.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/problem.hpp"

namespace braid::tasks::countdown {

enum class TraceStyle { direct, sosp, apr };

std::string_view to_string(TraceStyle style);
std::optional<TraceStyle> parse_trace_style(std::string_view text);

struct TrainingRow {
    std::string problem_id;  // "tr<seed>-<n>", n from 1 in generation order
    std::string call;        // "direct", "sosp", or the APR runtime call's label ("parent 0", ...)
    std::string prompt;
    std::string completion;
    bool solved = false;  // the problem's trace reached the goal (direct: always)
};

// Rows for `count` problems drawn from `pool`. invalid_input when `seed` is an evaluation seed
// (below kFirstTrainingSeed) or count is 0.
Result<std::vector<TrainingRow>> training_traces(TraceStyle style, NumberPool pool,
                                                 std::uint64_t seed, std::size_t count);
// The same with the set of excluded problem keys (problem_key()) given: training_traces() passes
// held_out_keys().
Result<std::vector<TrainingRow>> training_traces_excluding(
    TraceStyle style, NumberPool pool, std::uint64_t seed, std::size_t count,
    const std::unordered_set<std::string>& excluded);

// {"problem": ..., "call": ..., "prompt": ..., "completion": ..., "solved": ...} on one line.
std::string training_row_jsonl(const TrainingRow& row);

}  // namespace braid::tasks::countdown
