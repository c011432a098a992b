#pragma once
// The step-search and refinement strategies (planner/search/README.md); make_search_strategy
// (planner/strategies.hpp) builds them by name.

#include <memory>

#include "planner/strategy.hpp"
#include "verifiers/step_scorer.hpp"

namespace braid::planner::search {

std::unique_ptr<Strategy> make_beam_search(const StrategyOptions& options,
                                           std::unique_ptr<verifiers::StepScorer> scorer);
std::unique_ptr<Strategy> make_tree_search(const StrategyOptions& options,
                                           std::unique_ptr<verifiers::StepScorer> scorer);
std::unique_ptr<Strategy> make_refine(const StrategyOptions& options);

}  // namespace braid::planner::search
