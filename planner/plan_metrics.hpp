#pragma once
// The figures the parallel-reasoning papers report, per task (reference/parallel.md §7.1 item 10).
//
// Token counts are the backend's usage (exact for the local engine and real servers; estimated by
// stand-in backends). "Shared prefixes counted once": a call whose prompt repeats text an earlier
// call of the same thread already processed (a continuation after a join, a sibling on a shared
// prefix) adds only its new prompt tokens.

#include <cstdint>

#include <nlohmann/json_fwd.hpp>

namespace braid::planner {

struct PlanMetrics {
    std::int64_t total_tokens = 0;          // prompt + completion tokens, shared prefixes once
    std::int64_t critical_path_tokens = 0;  // new tokens along the longest chain of dependent calls
    double wall_ms = 0;                     // the task's wall time
    int threads = 0;                        // threads (nodes that called a model) started
    int max_depth = 0;                      // deepest nesting reached (1: no spawn below the roots)
    int model_calls = 0;

    PlanMetrics& operator+=(const PlanMetrics& other);  // sums; max of critical path and depth
};

nlohmann::json to_json(const PlanMetrics& metrics);

}  // namespace braid::planner
