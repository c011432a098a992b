#pragma once
// What a configuration of a pipeline is planned to cost per task before anything ran, from the
// spec alone (cost_model.hpp on each stage's expected token counts and the model's latency guess):
// a generate stage makes n·t calls of its model, a verify stage judges at most n_generate distinct
// candidates n times each, a select stage costs nothing. The online evaluator's cost() and
// `braid search`'s budget checks before a live run use it; offline search uses stored costs.

#include <vector>

#include "core/budget.hpp"
#include "search/pipeline_spec.hpp"
#include "search/search_space.hpp"

namespace braid::search {

// Per stage (in spec order), the planned cost of one task in every unit.
std::vector<Amount> planned_stage_costs(const search::PipelineSpec& spec, const SearchSpace& space,
                                        const Config& config);
// Their sum (wall_s: stages in sequence, each stage's calls in parallel).
Amount planned_task_cost(const search::PipelineSpec& spec, const SearchSpace& space, const Config& config);

}  // namespace braid::search
