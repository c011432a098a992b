#pragma once
// StepTree: the tree of partial solutions that beam and tree search grow (planner/search).
//
// A step is one model call whose prompt is the task's prompt plus everything its thread wrote so
// far: a text-level fork, so every backend can run it (the local engine re-uses the shared
// prefix's KV through its prefix cache). Node i's children are its continuations; a child's path
// is its parent's path + "/<k>" (k = 0 .. expansions-1), so seeds (workers::node_seed) depend only
// on the lineage, never on timing. Each child is scored by the StepScorer once its call returns.
//
// How a step ends (classify_step):
//   finished  the thread ended: a stop string of the task's own, or an end-of-generation token.
//             A text the checker accepts also counts as finished: nothing can improve on it.
//   step      at the step stop; the stop string is put back into the text, so the next step
//             continues after it
//   cut       at --step-tokens; the next step continues mid-line
// A backend that does not say which stop string matched (Completion::stop_sequence "") leaves
// "stop" ambiguous between the step stop and an end token: it is read as the step stop, unless the
// step wrote nothing right after a step stop (then the thread is taken as ended), so a thread that
// really ended stops after at most one more empty call.
//
// Lives on the orchestration executor; borrows the services, task, options and scorer, which must
// outlive it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "planner/search/search_outcome.hpp"
#include "planner/strategy.hpp"
#include "verifiers/step_scorer.hpp"

namespace braid::planner::search {

enum class StepEnd { step, cut, finished };
std::string_view to_string(StepEnd end);

// `thread_text`: what the thread held before this step.
StepEnd classify_step(const backends::Completion& completion, std::string_view step_stop,
                      std::string_view thread_text);

struct SearchNode {
    std::optional<std::size_t> parent;  // index in the tree; none for the root
    NodeId node;                        // the step's node (the root: the search's own node)
    std::string path;
    std::string text;       // the thread's text after the task prompt, this step included
    int depth = 0;          // steps from the root
    double score = 0;       // the scorer's, in [0, 1]
    bool finished = false;  // the thread ended or the checker accepts it
    bool accepted = false;  // the task's checker accepts `text`
    StepEnd end = StepEnd::step;
    Usage usage;        // the step call's
    Usage judge_usage;  // the scorer's calls for this node
    int judge_calls = 0;
};

// What one round of expansion gave.
struct Expansion {
    std::vector<std::size_t> children;  // new nodes, in creation order
    bool budget_refused = false;        // the ledger refused at least one call
    std::string error;                  // the last other failure ("" if none)
};

class StepTree {
public:
    // `label` names the search ("beam", "tree"): the root node's path is scope.path + "/" + label.
    StepTree(workers::RunServices& services, TaskScope scope, const StrategyOptions& options,
             const verifiers::StepScorer& scorer, std::string label);

    std::size_t root() const { return 0; }
    const SearchNode& node(std::size_t index) const { return nodes_[index]; }
    std::size_t size() const { return nodes_.size(); }

    // Continues every parent `options.expansions` times, all calls concurrent, and scores the
    // continuations. Failed and refused calls add no node.
    asio::awaitable<Expansion> expand(std::vector<std::size_t> parents);

    // The candidates (tree indices, any order; the root is ignored), stored with their checker
    // verdict and a "search" verdict (search_score), selected by best-score:search.
    TaskOutcome outcome(std::vector<std::size_t> candidates, const verifiers::Shortfall& stop);

private:
    struct Grown;
    asio::awaitable<Grown> grow(std::size_t parent, std::string parent_text, NodeId id,
                                std::string path, backends::CompletionRequest request);
    PlanMetrics metrics(std::optional<std::size_t> selected) const;
    std::int64_t new_tokens(std::size_t index) const;

    workers::RunServices& services_;
    TaskScope scope_;
    const StrategyOptions& options_;
    const verifiers::StepScorer& scorer_;
    std::string label_;
    std::string prompt_;
    std::vector<std::string> stops_;
    std::vector<SearchNode> nodes_;
    std::chrono::steady_clock::time_point started_;
};

// The "search" verdict of a candidate: its checker score (0 or 1) + half its step score, so a
// verified solution always outranks a partial one and partials rank by the scorer.
inline constexpr std::string_view search_verifier = "search";
double search_score(bool accepted, double step_score);

}  // namespace braid::planner::search
