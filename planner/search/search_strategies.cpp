#include "planner/search/search_strategies.hpp"

#include "planner/strategies.hpp"

namespace braid::planner {

Result<std::unique_ptr<Strategy>> make_search_strategy(std::string_view name,
                                                       const StrategyOptions& options) {
    if (name == "refine") return search::make_refine(options);
    verifiers::JudgeOptions judge;
    judge.temperature = options.temperature;
    auto scorer = verifiers::make_step_scorer(options.scorer, judge);
    if (!scorer) return std::move(scorer).error();
    if (name == "beam") return search::make_beam_search(options, std::move(*scorer));
    if (name == "tree") return search::make_tree_search(options, std::move(*scorer));
    return make_error(ErrorCode::internal, "not a search strategy: " + std::string(name));
}

}  // namespace braid::planner
