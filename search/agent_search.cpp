// The agent method: a Proposer (an LLM reading the archive) picks each next config; the loop
// only guards the trial interface (validity, budget, trial limit).
#include "search/search_method_impls.hpp"

namespace braid::search {
namespace {

constexpr int max_rejected_in_a_row = 3;  // a proposer that keeps missing the space is done

}  // namespace

void run_agent(SearchContext& context, const SearchOptions& options) {
    if (options.proposer == nullptr)
        throw FatalError(make_error(ErrorCode::invalid_input, "search method 'agent' needs a proposer"));
    int rejected = 0;
    while (!context.exhausted()) {
        std::optional<Config> c = options.proposer->propose(context);
        if (!c) break;
        // Outside the space, over the budget or already tried: no trial is spent and the proposer
        // sees the same archive, so a proposer that keeps doing it is done.
        if (!context.space().valid(*c) || !context.affordable(*c) || context.known(*c)) {
            if (++rejected >= max_rejected_in_a_row) break;
            continue;
        }
        rejected = 0;
        context.evaluate(*c, 1.0, "agent");
    }
}

}  // namespace braid::search
