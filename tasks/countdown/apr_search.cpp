#include "tasks/countdown/apr_search.hpp"

#include "core/assert.hpp"
#include "tasks/countdown/search_tree.hpp"

namespace braid::tasks::countdown {

namespace {

class AprSearch {
public:
    AprSearch(const State& start, std::uint64_t seed, const AprOptions& options)
        : tree_(start.target), rng_(seed), options_(options) {
        root_ = tree_.add_root(start);
        beam_ = static_cast<int>(rng_.uniform(options.min_beam_size, options.max_beam_size));
        sub_beam_ = options.sub_call_beam_size > beam_
                        ? static_cast<int>(rng_.uniform(beam_, options.sub_call_beam_size))
                        : options.sub_call_beam_size;
    }

    AprTrace run() {
        trace_.beam_size = beam_;
        trace_.sub_call_beam_size = sub_beam_;
        prompt_ = state_prompt(node_state(root_));
        text_ = tree_.moving_line(root_);
        auto goal = search_main();
        trace_.parent_calls.push_back(AprCall{prompt_, text_.substr(prompt_.size())});
        if (goal) {
            trace_.solved = true;
            const auto& prefix = tree_.operations(root_);
            const auto& ops = tree_.operations(*goal);
            trace_.solution.assign(ops.begin() + static_cast<std::ptrdiff_t>(prefix.size()),
                                   ops.end());
        }
        return std::move(trace_);
    }

private:
    // The parent thread; its text accumulates in text_ (prompt_ + the current call's completion).
    std::optional<std::size_t> search_main() {
        detail::OpenSet open;
        open.push(root_, tree_.node(root_).score);
        while (!open.empty()) {
            std::vector<std::size_t> current = open.pop_best(beam_);
            for (std::size_t k = 0; k < current.size(); ++k) {
                text_ += tree_.state_line(current[k]);
                detail::Expansion e = tree_.expand(current[k], beam_, rng_, text_);
                if (e.goal) {
                    text_ += tree_.replay(root_, *e.goal);
                    return e.goal;
                }
                const bool spawn =
                    e.generated.size() > 1 && rng_.chance(options_.promising_threshold);
                if (spawn) {
                    if (auto goal = spawn_children(e.generated)) return goal;
                } else {
                    for (std::size_t child : e.generated) open.push(child, tree_.node(child).score);
                }
                if (k + 1 < current.size()) text_ += tree_.moving_line(current[k + 1]);
            }
            if (!open.empty()) text_ += tree_.moving_line(open.top());
        }
        text_ += "No solution found.\n";
        return std::nullopt;
    }

    // Ends the current parent call with a spawn block, runs the children, and starts the next call
    // from the joined text. Returns the goal if a child found one (the parent then finishes).
    std::optional<std::size_t> spawn_children(const std::vector<std::size_t>& nodes) {
        std::vector<std::string> ids;
        std::vector<AprChild> children;
        std::optional<std::size_t> first_goal;
        for (std::size_t node : nodes) {
            ids.push_back(tree_.node(node).id);
            std::string child_text = tree_.moving_line(node);
            Rng child_rng(rng_.next());
            auto goal = search_child(node, child_rng, child_text);
            if (goal && !first_goal) first_goal = goal;
            AprChild child;
            child.result = child_result(tree_.node(node).id, child_text);
            BRAID_ASSERT(child.result.solved == goal.has_value(),
                         "APR child result disagrees with its search");
            child.prompt = state_prompt(node_state(node));
            child.completion = child_text.substr(child.prompt.size());
            children.push_back(std::move(child));
        }
        std::vector<ChildResult> results;
        for (const AprChild& c : children) results.push_back(c.result);

        trace_.parent_calls.push_back(
            AprCall{prompt_, text_.substr(prompt_.size()) + spawn_block(ids)});
        trace_.spawns.push_back(std::move(children));
        text_ += join_block(results);
        prompt_ = text_;
        if (!first_goal) return std::nullopt;
        const std::string t = std::to_string(tree_.target());
        text_ += t + "," + t + " equal: Goal Reached\n";
        text_ += tree_.replay(root_, *first_goal);
        return first_goal;
    }

    State node_state(std::size_t index) const {
        const detail::SearchNode& n = tree_.node(index);
        return State{n.id, tree_.target(), n.numbers, n.operations};
    }

    // A child thread: a plain beam search from `start` with the children's beam, no spawning.
    std::optional<std::size_t> search_child(std::size_t start, Rng& rng, std::string& out) {
        detail::OpenSet open;
        open.push(start, tree_.node(start).score);
        while (!open.empty()) {
            std::vector<std::size_t> current = open.pop_best(sub_beam_);
            for (std::size_t k = 0; k < current.size(); ++k) {
                out += tree_.state_line(current[k]);
                detail::Expansion e = tree_.expand(current[k], sub_beam_, rng, out);
                if (e.goal) {
                    out += tree_.replay(start, *e.goal);
                    return e.goal;
                }
                for (std::size_t child : e.generated) open.push(child, tree_.node(child).score);
                if (k + 1 < current.size()) out += tree_.moving_line(current[k + 1]);
            }
            if (!open.empty()) out += tree_.moving_line(open.top());
        }
        out += "No solution found.\n";
        return std::nullopt;
    }

    detail::SearchTree tree_;
    Rng rng_;
    AprOptions options_;
    std::size_t root_ = 0;
    int beam_ = 1;
    int sub_beam_ = 1;
    AprTrace trace_;
    std::string prompt_;  // the prompt of the parent call in progress
    std::string text_;    // prompt_ + what the parent has written in this call
};

}  // namespace

std::string AprTrace::final_text() const {
    BRAID_ASSERT(!parent_calls.empty(), "AprTrace without parent calls");
    return parent_calls.back().prompt + parent_calls.back().completion;
}

AprTrace apr_search(const State& start, std::uint64_t seed, const AprOptions& options) {
    BRAID_ASSERT(options.min_beam_size >= 1 && options.min_beam_size <= options.max_beam_size &&
                     options.sub_call_beam_size >= 1,
                 "APR: bad beam sizes");
    return AprSearch(start, seed, options).run();
}

std::vector<RuntimeCall> render_runtime_calls(const AprTrace& trace) {
    std::vector<RuntimeCall> out;
    for (std::size_t k = 0; k < trace.parent_calls.size(); ++k) {
        out.push_back({"parent " + std::to_string(k), trace.parent_calls[k].prompt,
                       trace.parent_calls[k].completion});
        if (k >= trace.spawns.size()) continue;
        for (std::size_t i = 0; i < trace.spawns[k].size(); ++i) {
            const AprChild& c = trace.spawns[k][i];
            out.push_back(
                {"child " + std::to_string(k) + "." + std::to_string(i) + " #" + c.result.node_id,
                 c.prompt, c.completion});
        }
    }
    return out;
}

}  // namespace braid::tasks::countdown
