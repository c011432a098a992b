#include "search/search_methods.hpp"

#include <algorithm>

#include "search/search_method_impls.hpp"

namespace braid::search {

std::vector<std::string> method_names() { return {"grid", "random", "halving", "greedy", "tpe", "agent"}; }

bool is_method(std::string_view name) {
    const auto names = method_names();
    return std::find(names.begin(), names.end(), name) != names.end();
}

SearchResult run_search(SearchContext& context, const SearchOptions& options) {
    const std::size_t before = context.trials_used();
    const std::string& m = options.method;
    if (m == "grid") run_grid(context);
    else if (m == "random") run_random(context, options);
    else if (m == "halving") run_halving(context, options);
    else if (m == "greedy") run_greedy(context, options);
    else if (m == "tpe") run_tpe(context, options);
    else if (m == "agent") run_agent(context, options);
    else throw FatalError(make_error(ErrorCode::invalid_input, "unknown search method '" + m + "'"));
    SearchResult result;
    result.best = context.best();
    result.pareto = pareto_front(context.archive());
    result.trials = context.trials_used() - before;
    return result;
}

}  // namespace braid::search
