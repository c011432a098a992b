#pragma once
// Shared machinery of the symbolic searches (search.hpp, apr_search.hpp): the tree of nodes seen,
// the `mult_heuristic` score, beam expansion that writes the trace lines of §1.2, the open set and
// the clean replay of a solution path. Internal to tasks/countdown.

#include <cstdint>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "tasks/countdown/prompt.hpp"
#include "tasks/countdown/rng.hpp"
#include "tasks/countdown/rules.hpp"

namespace braid::tasks::countdown::detail {

struct SearchNode {
    std::string id;  // comma path, "0,1,2"
    std::vector<Value> numbers;
    std::vector<std::string> operations;  // from the root of the problem
    Value score = 0;                      // mult_heuristic; lower is better
    std::optional<std::size_t> parent;    // index in the tree
};

struct Expansion {
    std::optional<std::size_t> goal;     // the child that reached the target (lines stop there)
    std::vector<std::size_t> generated;  // children announced with "Generated Node", best first
};

class SearchTree {
public:
    explicit SearchTree(Value target);

    std::size_t add_root(const State& start);
    const SearchNode& node(std::size_t index) const { return nodes_[index]; }
    Value target() const { return target_; }

    // Sum over the numbers of the distance to the nearest factor (>= 2) of the target.
    Value score(const std::vector<Value>& numbers) const;

    // "Current State: T:[...], Operations: [...]\n" for node `index`.
    std::string state_line(std::size_t index) const;
    // "Moving to Node #<id>\n".
    std::string moving_line(std::size_t index) const;

    // Generates every child of `parent` (pairs in index order × moves), keeps the `beam` best by
    // score, shuffles them and writes one Exploring Operation line per child followed by its goal,
    // "unequal: No Solution" or "Generated Node" line. Stops at the first child equal to the
    // target.
    Expansion expand(std::size_t parent, int beam, Rng& rng, std::string& out);

    // The clean path from `from` down to the goal node `goal`, ending "T,T equal: Goal Reached\n".
    std::string replay(std::size_t from, std::size_t goal) const;

    // The operations from the root to `index`.
    const std::vector<std::string>& operations(std::size_t index) const {
        return nodes_[index].operations;
    }

private:
    Value target_;
    std::vector<Value> factors_;
    std::vector<SearchNode> nodes_;
};

// Nodes waiting to be expanded, best score first; ties in insertion order (deterministic).
class OpenSet {
public:
    void push(std::size_t index, Value score) { heap_.push(Entry{score, seq_++, index}); }
    bool empty() const { return heap_.empty(); }
    std::size_t top() const { return heap_.top().index; }
    std::size_t pop() {
        std::size_t index = heap_.top().index;
        heap_.pop();
        return index;
    }
    // Pops up to `count` nodes, best first.
    std::vector<std::size_t> pop_best(int count);

private:
    struct Entry {
        Value score;
        std::uint64_t seq;
        std::size_t index;
        bool operator>(const Entry& o) const {
            return score != o.score ? score > o.score : seq > o.seq;
        }
    };
    std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
    std::uint64_t seq_ = 0;
};

}  // namespace braid::tasks::countdown::detail
