// beam: level-synchronous step search (planner/search/README.md).
//
// From the task's prompt, every kept partial solution that has not finished is continued
// --expansions times by one step (all calls of a level concurrent); the continuations and the
// finished solutions already kept compete, and the --beam-width best by score stay (ties: the
// earlier-created node). It stops after --max-steps levels, when every kept solution has finished,
// as soon as one passes the task's checker, or when the ledger refuses a call (the level's other
// continuations still count, beside the partials they continue). Continuations with the same text
// are kept once. Candidates: every finished thread, plus the partial solutions kept at the end;
// best-score:search selects.
#include "planner/search/search_strategies.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "planner/search/step_tree.hpp"

namespace braid::planner::search {

namespace {

class BeamSearch final : public Strategy {
public:
    BeamSearch(StrategyOptions options, std::unique_ptr<verifiers::StepScorer> scorer)
        : options_(std::move(options)), scorer_(std::move(scorer)) {}

    std::string_view name() const override { return "beam"; }
    std::string_view selection_rule() const override { return "best-score:search"; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    StrategyOptions options_;
    std::unique_ptr<verifiers::StepScorer> scorer_;
};

// Keeps the `width` best of `pool` (tree indices) by score; ties go to the earlier-created node.
// A node whose text equals a kept one's is dropped: sampled continuations often repeat each other
// (a confident model, a deterministic stretch of the format), and copies would crowd out the
// distinct partial solutions the beam exists to keep.
std::vector<std::size_t> keep_best(const StepTree& tree, std::vector<std::size_t> pool, int width) {
    std::sort(pool.begin(), pool.end());
    std::stable_sort(pool.begin(), pool.end(), [&](std::size_t a, std::size_t b) {
        return tree.node(a).score > tree.node(b).score;
    });
    std::vector<std::size_t> kept;
    std::unordered_set<std::string_view> texts;
    for (std::size_t index : pool) {
        if (kept.size() == static_cast<std::size_t>(width)) break;
        if (texts.insert(tree.node(index).text).second) kept.push_back(index);
    }
    return kept;
}

asio::awaitable<TaskOutcome> BeamSearch::solve(workers::RunServices& services, TaskScope scope) {
    StepTree tree(services, scope, options_, *scorer_, "beam");
    std::vector<std::size_t> beam{tree.root()};
    std::vector<std::size_t> finished;
    verifiers::Shortfall stop;
    bool solved = false;
    for (int level = 0; level < options_.max_steps && !solved && !stop.budget_refused; ++level) {
        std::vector<std::size_t> open, pool;
        for (std::size_t b : beam) (tree.node(b).finished ? pool : open).push_back(b);
        if (open.empty()) break;
        Expansion grown = co_await tree.expand(open);
        stop.budget_refused = stop.budget_refused || grown.budget_refused;
        if (!grown.error.empty()) stop.last_error = grown.error;
        if (grown.children.empty()) break;  // every call of the level failed
        // A level cut short by the budget may have lost better children: its parents compete too.
        if (grown.budget_refused) pool.insert(pool.end(), open.begin(), open.end());
        for (std::size_t c : grown.children) {
            pool.push_back(c);
            if (tree.node(c).finished) finished.push_back(c);
            solved = solved || tree.node(c).accepted;
        }
        beam = keep_best(tree, std::move(pool), options_.beam_width);
    }
    std::vector<std::size_t> candidates = finished;
    candidates.insert(candidates.end(), beam.begin(), beam.end());
    co_return tree.outcome(std::move(candidates), stop);
}

}  // namespace

std::unique_ptr<Strategy> make_beam_search(const StrategyOptions& options,
                                           std::unique_ptr<verifiers::StepScorer> scorer) {
    return std::make_unique<BeamSearch>(options, std::move(scorer));
}

}  // namespace braid::planner::search
