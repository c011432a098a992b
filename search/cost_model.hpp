#pragma once
// The budget's cost models (DESIGN.md §3.5): what one model call, one stage of a pipeline and one
// configuration cost, in any budget unit.
//   usd     price table: uncached prompt tokens at the input price, cached ones at the cached-input
//           price, completion tokens at the output price (the model's "price" in the spec);
//   flops   Kinetics eFLOPs: compute + I · memory traffic (core/kinetics.hpp), prompt KV shared
//           across the samples of one stage call group;
//   bytes   the memory-traffic term alone;
//   wall_s  latency: measured per call where stored, else the spec's guess; parallel samples
//           cost their slowest one (the critical path);
//   tokens, samples   counted.

#include <string>
#include <string_view>

#include "core/budget.hpp"
#include "core/error.hpp"
#include "search/pipeline_spec.hpp"

namespace braid::search {

// One unit and an amount: the budget of a search or of a pipeline run.
struct SearchBudget {
    BudgetUnit unit = BudgetUnit::usd;
    double amount = 0;
    std::string describe() const;  // "usd=50"
};

// "usd=50", "flops=2e15", "wall_s=600", "tokens=1e6", "samples=400". Errors (invalid_input) name
// the flag: a bare number ("--budget: '50' has no unit; write UNIT=VALUE, e.g. usd=50"), an
// unknown unit, a negative, zero or non-numeric amount, or more than one unit.
Result<SearchBudget> parse_search_budget(std::string_view text, std::string_view flag = "--budget");

// Calls made in parallel on one prompt: `samples` calls of `prompt_tokens` in (of which
// `cached_prompt_tokens` served from a prefix cache) and `completion_tokens` out each, the slowest
// taking `latency_s`.
struct CallGroup {
    double samples = 1;
    double prompt_tokens = 0;
    double cached_prompt_tokens = 0;
    double completion_tokens = 0;
    double latency_s = 0;
};

// What the group costs on `model`, in every unit at once (wall_s = latency_s).
Amount group_cost(const search::ModelSpec& model, double intensity, const CallGroup& group);

}  // namespace braid::search
