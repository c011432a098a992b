// tree: best-first step search (planner/search/README.md).
//
// A frontier of partial solutions ordered by score (ties: the earlier-created node). The best is
// popped and continued --expansions times by one step (those calls concurrent); continuations
// that have not finished join the frontier unless they are --max-steps deep (a thread's steps, as
// in beam). At most --max-steps × --beam-width nodes are expanded, so tree makes about as many
// calls as beam with the same flags; --max-depth (the adaptive strategies' nesting cap) is not
// read. It stops when that budget is spent, the frontier is empty, a continuation passes the
// task's checker, or the ledger refuses a call. Candidates: every finished thread, the threads
// that reached the depth cap, and the --beam-width best partial solutions left on the frontier;
// best-score:search selects.
#include "planner/search/search_strategies.hpp"

#include <algorithm>

#include "planner/search/step_tree.hpp"

namespace braid::planner::search {

namespace {

class TreeSearch final : public Strategy {
public:
    TreeSearch(StrategyOptions options, std::unique_ptr<verifiers::StepScorer> scorer)
        : options_(std::move(options)), scorer_(std::move(scorer)) {}

    std::string_view name() const override { return "tree"; }
    std::string_view selection_rule() const override { return "best-score:search"; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    StrategyOptions options_;
    std::unique_ptr<verifiers::StepScorer> scorer_;
};

// Whether tree node a ranks before b: higher score, then earlier creation.
bool ranks_before(const StepTree& tree, std::size_t a, std::size_t b) {
    if (tree.node(a).score != tree.node(b).score) return tree.node(a).score > tree.node(b).score;
    return a < b;
}

std::size_t pop_best(const StepTree& tree, std::vector<std::size_t>& frontier) {
    auto best = frontier.begin();
    for (auto it = frontier.begin(); it != frontier.end(); ++it)
        if (ranks_before(tree, *it, *best)) best = it;
    std::size_t index = *best;
    frontier.erase(best);
    return index;
}

asio::awaitable<TaskOutcome> TreeSearch::solve(workers::RunServices& services, TaskScope scope) {
    StepTree tree(services, scope, options_, *scorer_, "tree");
    std::vector<std::size_t> frontier{tree.root()};
    std::vector<std::size_t> candidates;
    verifiers::Shortfall stop;
    bool solved = false;
    const long budget = static_cast<long>(options_.max_steps) * options_.beam_width;
    for (long expanded = 0;
         expanded < budget && !frontier.empty() && !solved && !stop.budget_refused; ++expanded) {
        std::vector<std::size_t> parent{pop_best(tree, frontier)};
        Expansion grown = co_await tree.expand(std::move(parent));
        stop.budget_refused = stop.budget_refused || grown.budget_refused;
        if (!grown.error.empty()) stop.last_error = grown.error;
        for (std::size_t c : grown.children) {
            const SearchNode& n = tree.node(c);
            solved = solved || n.accepted;
            if (n.finished || n.depth >= options_.max_steps)
                candidates.push_back(c);
            else
                frontier.push_back(c);
        }
    }
    for (int i = 0; i < options_.beam_width && !frontier.empty(); ++i) {
        std::size_t best = pop_best(tree, frontier);
        if (best != tree.root()) candidates.push_back(best);
    }
    co_return tree.outcome(std::move(candidates), stop);
}

}  // namespace

std::unique_ptr<Strategy> make_tree_search(const StrategyOptions& options,
                                           std::unique_ptr<verifiers::StepScorer> scorer) {
    return std::make_unique<TreeSearch>(options, std::move(scorer));
}

}  // namespace braid::planner::search
