#pragma once
// The factories behind make_strategy (strategy_registry.cpp), one per family of strategies. Each
// returns the strategy named `name` of its family; options were validated by make_strategy.

#include <memory>
#include <string_view>

#include "planner/strategy.hpp"

namespace braid::planner {

// best-of-n, self-consistency, first-finish (sampling_strategies.cpp).
Result<std::unique_ptr<Strategy>> make_sampling_strategy(std::string_view name, const StrategyOptions& options);
// beam, tree, refine (search/search_strategies.cpp).
Result<std::unique_ptr<Strategy>> make_search_strategy(std::string_view name, const StrategyOptions& options);

// apr (apr/apr_strategy.cpp).
Result<std::unique_ptr<Strategy>> make_apr_strategy(std::string_view name, const StrategyOptions& options);

// multiverse (multiverse/multiverse_strategy.cpp).
Result<std::unique_ptr<Strategy>> make_multiverse_strategy(std::string_view name, const StrategyOptions& options);

// llmcompiler (llmcompiler/llmcompiler_strategy.cpp): builds the tool registry from --workspace and
// --tools; their errors are its errors.
Result<std::unique_ptr<Strategy>> make_llmcompiler_strategy(std::string_view name, const StrategyOptions& options);

// swe (swe/swe_strategy.cpp): probes the sandbox and makes the workspace root once.
Result<std::unique_ptr<Strategy>> make_swe_strategy(std::string_view name, const StrategyOptions& options);

}  // namespace braid::planner
