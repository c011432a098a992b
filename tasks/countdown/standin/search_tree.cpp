#include "tasks/countdown/standin/search_tree.hpp"

#include <algorithm>
#include <limits>

#include "core/assert.hpp"

namespace braid::tasks::countdown::detail {

namespace {

Value saturating_add(Value a, Value b) {
    Value out = 0;
    return __builtin_add_overflow(a, b, &out) ? std::numeric_limits<Value>::max() : out;
}

Value distance(Value a, Value b) {
    Value d = 0;
    if (__builtin_sub_overflow(a, b, &d)) return std::numeric_limits<Value>::max();
    return d < 0 ? (d == std::numeric_limits<Value>::min() ? std::numeric_limits<Value>::max() : -d)
                 : d;
}

}  // namespace

SearchTree::SearchTree(Value target) : target_(target) {
    for (Value f = 2; f <= target; ++f)
        if (target % f == 0) factors_.push_back(f);
    if (factors_.empty()) factors_.push_back(target);  // target 1 has no factor >= 2
}

std::size_t SearchTree::add_root(const State& start) {
    SearchNode root;
    root.id = start.node_id;
    root.numbers = start.numbers;
    root.operations = start.operations;
    root.score = score(start.numbers);
    nodes_.push_back(std::move(root));
    return nodes_.size() - 1;
}

Value SearchTree::score(const std::vector<Value>& numbers) const {
    Value total = 0;
    for (Value n : numbers) {
        Value best = std::numeric_limits<Value>::max();
        for (Value f : factors_) best = std::min(best, distance(n, f));
        total = saturating_add(total, best);
    }
    return total;
}

std::string SearchTree::state_line(std::size_t index) const {
    const SearchNode& n = nodes_[index];
    return "Current State: " + std::to_string(target_) + ":" + format_numbers(n.numbers) +
           ", Operations: " + format_operations(n.operations) + "\n";
}

std::string SearchTree::moving_line(std::size_t index) const {
    return "Moving to Node #" + nodes_[index].id + "\n";
}

Expansion SearchTree::expand(std::size_t parent, int beam, Rng& rng, std::string& out) {
    BRAID_ASSERT(beam >= 1, "beam size must be positive");
    struct Candidate {
        Value score;
        std::vector<Value> numbers;
        std::string operation;
    };
    std::vector<Candidate> candidates;
    {
        const SearchNode& p = nodes_[parent];
        for (std::size_t i = 0; i < p.numbers.size(); ++i)
            for (std::size_t j = i + 1; j < p.numbers.size(); ++j)
                for (const Operation& move : combine(p.numbers[i], p.numbers[j])) {
                    Candidate c;
                    for (std::size_t k = 0; k < p.numbers.size(); ++k)
                        if (k != i && k != j) c.numbers.push_back(p.numbers[k]);
                    c.numbers.push_back(move.result);
                    c.score = score(c.numbers);
                    c.operation = format_operation(move);
                    candidates.push_back(std::move(c));
                }
    }
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& a, const Candidate& b) { return a.score < b.score; });
    if (candidates.size() > static_cast<std::size_t>(beam))
        candidates.resize(static_cast<std::size_t>(beam));
    rng.shuffle(candidates);

    Expansion result;
    const std::string t = std::to_string(target_);
    int next_child = 0;
    for (Candidate& c : candidates) {
        out += "Exploring Operation: " + c.operation +
               ", Resulting Numbers: " + format_numbers(c.numbers) + "\n";
        SearchNode child;
        child.id = nodes_[parent].id + "," + std::to_string(next_child);
        child.operations = nodes_[parent].operations;
        child.operations.push_back(c.operation);
        child.score = c.score;
        child.parent = parent;
        const bool single = c.numbers.size() == 1;
        const Value last = c.numbers.back();
        child.numbers = std::move(c.numbers);
        if (single && last == target_) {
            out += t + "," + t + " equal: Goal Reached\n";
            nodes_.push_back(std::move(child));
            result.goal = nodes_.size() - 1;
            return result;
        }
        if (single) {
            out += std::to_string(last) + "," + t + " unequal: No Solution\n";
            continue;
        }
        out += "Generated Node #" + child.id + ": " + t + ":" + format_numbers(child.numbers) +
               " Operation: " + child.operations.back() + "\n";
        ++next_child;
        nodes_.push_back(std::move(child));
        result.generated.push_back(nodes_.size() - 1);
    }
    std::stable_sort(
        result.generated.begin(), result.generated.end(),
        [this](std::size_t a, std::size_t b) { return nodes_[a].score < nodes_[b].score; });
    return result;
}

std::string SearchTree::replay(std::size_t from, std::size_t goal) const {
    std::vector<std::size_t> chain{goal};
    while (chain.back() != from) {
        BRAID_ASSERT(nodes_[chain.back()].parent.has_value(),
                     "replay: `from` is not an ancestor of the goal");
        chain.push_back(*nodes_[chain.back()].parent);
    }
    std::reverse(chain.begin(), chain.end());
    const std::string t = std::to_string(target_);
    std::string out = moving_line(from);
    for (std::size_t k = 0; k + 1 < chain.size(); ++k) {
        const SearchNode& next = nodes_[chain[k + 1]];
        out += state_line(chain[k]);
        out += "Exploring Operation: " + next.operations.back() +
               ", Resulting Numbers: " + format_numbers(next.numbers) + "\n";
        if (chain[k + 1] == goal) break;
        out += "Generated Node #" + next.id + ": " + t + ":" + format_numbers(next.numbers) +
               " Operation: " + next.operations.back() + "\n";
        out += moving_line(chain[k + 1]);
    }
    out += t + "," + t + " equal: Goal Reached\n";
    return out;
}

std::vector<std::size_t> OpenSet::pop_best(int count) {
    std::vector<std::size_t> out;
    while (!empty() && out.size() < static_cast<std::size_t>(count)) out.push_back(pop());
    return out;
}

}  // namespace braid::tasks::countdown::detail
