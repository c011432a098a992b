#include "tasks/countdown/standin/apr_model.hpp"

#include <map>
#include <optional>

#include "core/hash.hpp"
#include "tasks/countdown/apr_protocol.hpp"
#include "tasks/countdown/standin/search_tree.hpp"

namespace braid::tasks::countdown {

namespace {

Error not_mine(const std::string& why) {
    return make_error(ErrorCode::invalid_input, "symbolic APR model: " + why);
}

std::size_t depth_of(const std::string& id) {
    return static_cast<std::size_t>(std::count(id.begin(), id.end(), ','));
}

// The first solved child of a join block that starts `text` ("<Sub Searches>\n...<End Sub
// Searches>\n"), and the block's length.
struct JoinRead {
    std::size_t length = 0;
    std::optional<ChildResult> solved;
};

std::optional<JoinRead> read_join(std::string_view text) {
    const std::string open = std::string(kSubSearches) + "\n";
    const std::string close = std::string(kEndSubSearches) + "\n";
    if (text.substr(0, open.size()) != open) return std::nullopt;
    std::size_t end = text.find(close);
    if (end == std::string_view::npos) return std::nullopt;
    JoinRead out;
    out.length = end + close.size();
    std::string_view body = text.substr(open.size(), end - open.size());
    constexpr std::string_view goal = "<Goal Reached in Sub Search ";
    std::size_t at = body.find(goal);
    if (at == std::string_view::npos) return out;
    std::size_t line_end = body.find('\n', at);
    std::string_view line = body.substr(at, line_end - at);
    std::size_t hash = line.rfind('#');
    if (hash == std::string_view::npos || line.back() != '>') return std::nullopt;
    ChildResult r;
    r.node_id = std::string(line.substr(hash + 1, line.size() - hash - 2));
    r.solved = true;
    // The path: every following line up to the next tag line.
    std::size_t pos = line_end + 1;
    while (pos < body.size() && body[pos] != '<') {
        std::size_t nl = body.find('\n', pos);
        if (nl == std::string_view::npos) nl = body.size();
        r.path.append(body.substr(pos, nl - pos));
        r.path += "\n";
        pos = nl + 1;
    }
    if (!r.path.empty()) r.path.pop_back();
    out.solved = std::move(r);
    return out;
}

class AprThread {
public:
    AprThread(const State& start, std::uint64_t seed, const AprOptions& options, std::string_view body)
        : tree_(start.target), rng_(seed), options_(options), body_(body) {
        root_ = tree_.add_root(start);
        const bool is_root = start.node_id == "0";
        const int lo = is_root ? options.min_beam_size : options.max_beam_size;
        const int hi = is_root ? options.max_beam_size : std::max(options.max_beam_size, options.sub_call_beam_size);
        beam_ = static_cast<int>(rng_.uniform(lo, hi));
        by_id_[start.node_id] = root_;
    }

    // Writes the thread's text until the body runs out at a spawn block or the search ends.
    Result<std::string> run() {
        text_ = tree_.moving_line(root_);
        search();
        if (error_) return std::move(*error_);
        if (text_.compare(0, body_.size(), body_) != 0)
            return not_mine("the prompt is not this model's search with this seed");
        return text_.substr(body_.size());
    }

private:
    enum class Step { go_on, goal, stop };

    void search() {
        detail::OpenSet open;
        open.push(root_, tree_.node(root_).score);
        while (!open.empty()) {
            std::vector<std::size_t> current = open.pop_best(beam_);
            for (std::size_t k = 0; k < current.size(); ++k) {
                text_ += tree_.state_line(current[k]);
                detail::Expansion e = tree_.expand(current[k], beam_, rng_, text_);
                for (std::size_t child : e.generated) by_id_[tree_.node(child).id] = child;
                if (e.goal) {
                    text_ += tree_.replay(root_, *e.goal);
                    return;
                }
                const bool may_spawn = depth_of(tree_.node(current[k]).id) < static_cast<std::size_t>(options_.spawn_depth);
                if (may_spawn && e.generated.size() > 1 && rng_.chance(options_.promising_threshold)) {
                    Step s = spawn(e.generated, static_cast<int>(depth_of(tree_.node(current[k]).id)) + 1);
                    if (s != Step::go_on) return;
                } else {
                    for (std::size_t child : e.generated) open.push(child, tree_.node(child).score);
                }
                if (k + 1 < current.size()) text_ += tree_.moving_line(current[k + 1]);
            }
            if (!open.empty()) text_ += tree_.moving_line(open.top());
        }
        text_ += "No solution found.\n";
    }

    // Writes the spawn block; continues through the prompt's join block for it if there is one.
    Step spawn(const std::vector<std::size_t>& nodes, int level) {
        std::vector<std::string> ids;
        for (std::size_t n : nodes) ids.push_back(tree_.node(n).id);
        const std::size_t before = text_.size();
        text_ += spawn_block(ids, level);
        if (body_.size() <= before || body_.compare(0, before, text_, 0, before) != 0) return Step::stop;
        std::optional<JoinRead> join = read_join(body_.substr(before));
        if (!join) {
            error_ = not_mine("the prompt has no well-formed join block after " + std::to_string(before) + " characters");
            return Step::stop;
        }
        text_.resize(before);
        text_.append(body_.substr(before, join->length));
        if (!join->solved) return Step::go_on;
        auto child = by_id_.find(join->solved->node_id);
        if (child == by_id_.end()) {
            error_ = not_mine("the join names node #" + join->solved->node_id + ", which this thread never generated");
            return Step::stop;
        }
        // The goal line, then the clean path from this thread's start through the child's start
        // to the goal: this thread's steps down to the child, then the child's own path.
        const std::string t = std::to_string(tree_.target());
        text_ += t + "," + t + " equal: Goal Reached\n";
        text_ += path_to(child->second);
        const std::string& path = join->solved->path;
        std::size_t first_line = path.find('\n');
        if (first_line != std::string::npos) text_ += path.substr(first_line + 1) + "\n";
        return Step::goal;
    }

    // "Moving to Node #<start>" ... "Moving to Node #<node>\n": the clean steps from the thread's
    // start down to `node`.
    std::string path_to(std::size_t node) const {
        std::vector<std::size_t> chain{node};
        while (chain.back() != root_) chain.push_back(*tree_.node(chain.back()).parent);
        std::reverse(chain.begin(), chain.end());
        const std::string t = std::to_string(tree_.target());
        std::string out = tree_.moving_line(root_);
        for (std::size_t k = 0; k + 1 < chain.size(); ++k) {
            const detail::SearchNode& next = tree_.node(chain[k + 1]);
            out += tree_.state_line(chain[k]);
            out += "Exploring Operation: " + next.operations.back() + ", Resulting Numbers: " + format_numbers(next.numbers) + "\n";
            out += "Generated Node #" + next.id + ": " + t + ":" + format_numbers(next.numbers) +
                   " Operation: " + next.operations.back() + "\n";
            out += tree_.moving_line(chain[k + 1]);
        }
        return out;
    }

    detail::SearchTree tree_;
    Rng rng_;
    AprOptions options_;
    std::string_view body_;  // the prompt after any budget prefixes
    std::size_t root_ = 0;
    int beam_ = 1;
    std::map<std::string, std::size_t> by_id_;
    std::string text_;
    std::optional<Error> error_;
};

}  // namespace

std::uint64_t apr_child_seed(std::uint64_t seed, int spawn, int child) {
    return derive_seed(seed, "s" + std::to_string(spawn) + "." + std::to_string(child));
}

Result<std::string> apr_completion(std::string_view prompt, std::uint64_t seed, const AprOptions& options) {
    auto parsed = parse_state(prompt);
    if (!parsed) return not_mine("the prompt is not a Countdown state (" + parsed.error().message + ")");
    // Budget prefixes stand before the thread's own text.
    std::size_t body_at = prompt.find("Moving to Node #");
    if (body_at == std::string_view::npos) body_at = prompt.find("Current State:");
    std::string_view body = prompt.substr(body_at);
    if (body.find("Moving to Node #") != 0) {
        // A bare state line: the model's text starts with the state line itself.
        return not_mine("the prompt does not start its state with 'Moving to Node #'");
    }
    // The prompt carries no trailing newline; the model's text continues with "\n" (state_prompt).
    return AprThread(parsed->state, seed, options, body).run();
}

}  // namespace braid::tasks::countdown
