#include "tasks/countdown/standin/search.hpp"

#include "core/assert.hpp"
#include "tasks/countdown/standin/search_tree.hpp"

namespace braid::tasks::countdown {

namespace {

class SosSearch {
public:
    SosSearch(const State& start, std::uint64_t seed, const SosOptions& options)
        : tree_(start.target), rng_(seed), options_(options) {
        root_ = tree_.add_root(start);
        beam_ = static_cast<int>(rng_.uniform(options.min_beam_size, options.max_beam_size));
    }

    SearchResult run() {
        SearchResult result;
        result.beam_size = beam_;
        result.trace = tree_.moving_line(root_);
        auto goal = search(root_, 0, result.trace);
        if (goal) {
            result.solved = true;
            const auto& prefix = tree_.operations(root_);
            const auto& ops = tree_.operations(*goal);
            result.solution.assign(ops.begin() + static_cast<std::ptrdiff_t>(prefix.size()),
                                   ops.end());
        }
        return result;
    }

private:
    // One (sub) search from `start`; returns the goal node if found. Lines go to `out`.
    std::optional<std::size_t> search(std::size_t start, int level, std::string& out) {
        detail::OpenSet open;
        open.push(start, tree_.node(start).score);
        while (!open.empty()) {
            std::vector<std::size_t> current = open.pop_best(beam_);
            for (std::size_t k = 0; k < current.size(); ++k) {
                out += tree_.state_line(current[k]);
                detail::Expansion e = tree_.expand(current[k], beam_, rng_, out);
                if (e.goal) {
                    out += tree_.replay(root_, *e.goal);
                    return e.goal;
                }
                const bool dive = rng_.chance(options_.promising_threshold);
                for (std::size_t child : e.generated) {
                    if (!dive) {
                        open.push(child, tree_.node(child).score);
                        continue;
                    }
                    const std::string lvl = std::to_string(level + 1);
                    out += "Start Sub Search at level " + lvl + ": " + tree_.moving_line(child);
                    auto found = search(child, level + 1, out);
                    out += "Exit Sub Search at level " + lvl + "\n";
                    if (found) return found;
                    out += "No solution found in sub search\n";
                }
                if (k + 1 < current.size()) out += tree_.moving_line(current[k + 1]);
            }
            if (!open.empty()) out += tree_.moving_line(open.top());
        }
        out += "No solution found.\n";
        return std::nullopt;
    }

    detail::SearchTree tree_;
    Rng rng_;
    SosOptions options_;
    std::size_t root_ = 0;
    int beam_ = 1;
};

}  // namespace

SearchResult sos_plus_search(const State& start, std::uint64_t seed, const SosOptions& options) {
    BRAID_ASSERT(options.min_beam_size >= 1 && options.min_beam_size <= options.max_beam_size,
                 "SoS+: bad beam size range");
    return SosSearch(start, seed, options).run();
}

std::string_view after_state_line(std::string_view trace) {
    std::size_t at = trace.find("Current State:");
    if (at == std::string_view::npos) return trace;
    std::size_t end = trace.find('\n', at);
    return end == std::string_view::npos ? std::string_view{} : trace.substr(end);
}

}  // namespace braid::tasks::countdown
