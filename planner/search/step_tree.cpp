#include "planner/search/step_tree.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "workers/generation.hpp"

namespace braid::planner::search {

namespace {

constexpr double kPartialWeight = 0.5;

bool ends_with(std::string_view text, std::string_view suffix) {
    return !suffix.empty() && text.size() >= suffix.size() &&
           text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

std::string_view to_string(StepEnd end) {
    switch (end) {
        case StepEnd::step:
            return "step";
        case StepEnd::cut:
            return "cut";
        case StepEnd::finished:
            return "finished";
    }
    return "step";
}

StepEnd classify_step(const backends::Completion& c, std::string_view step_stop,
                      std::string_view thread_text) {
    if (c.finish_reason == "length") return StepEnd::cut;
    if (!c.stop_sequence.empty())
        return c.stop_sequence == step_stop ? StepEnd::step : StepEnd::finished;
    if (step_stop.empty()) return StepEnd::finished;
    // The backend does not say which stop matched (see the header).
    if (c.text.empty() && ends_with(thread_text, step_stop)) return StepEnd::finished;
    return StepEnd::step;
}

double search_score(bool accepted, double step_score) {
    return (accepted ? 1.0 : 0.0) + kPartialWeight * step_score;
}

// The result of growing one child: the node to add, or why there is none.
struct StepTree::Grown {
    std::optional<SearchNode> node;
    Error error;
    bool scorer_failed = false;  // the node exists but the scorer's call failed (error says why)
};

StepTree::StepTree(workers::RunServices& services, TaskScope scope, const StrategyOptions& options,
                   const verifiers::StepScorer& scorer, std::string label)
    : services_(services),
      scope_(std::move(scope)),
      options_(options),
      scorer_(scorer),
      label_(std::move(label)),
      prompt_(scope_.kind->prompt(*scope_.task)),
      stops_(scope_.kind->stop_strings()),
      started_(std::chrono::steady_clock::now()) {
    if (!options_.step_stop.empty() &&
        std::find(stops_.begin(), stops_.end(), options_.step_stop) == stops_.end())
        stops_.push_back(options_.step_stop);
    SearchNode root;
    root.path = scope_.path + "/" + label_;
    root.node =
        services_.recorder.create_node(scope_.node, root.path, store::NodeKind::search, label_);
    services_.recorder.set_status(root.node, store::NodeStatus::running);
    nodes_.push_back(std::move(root));
}

asio::awaitable<Expansion> StepTree::expand(std::vector<std::size_t> parents) {
    std::vector<asio::awaitable<Grown>> calls;
    for (std::size_t p : parents) {
        for (int k = 0; k < options_.expansions; ++k) {
            const SearchNode& parent = nodes_[p];
            std::string path = parent.path + "/" + std::to_string(k);
            NodeId id = services_.recorder.create_node(
                parent.node, path, store::NodeKind::step,
                "step " + std::to_string(parent.depth + 1) + "." + std::to_string(k));
            backends::CompletionRequest request;
            request.model = services_.model;
            request.prompt = prompt_ + parent.text;
            request.sampling.max_tokens = options_.step_tokens;
            request.sampling.temperature = options_.temperature;
            request.sampling.seed = workers::node_seed(services_.run_seed, path);
            request.sampling.stop = stops_;
            calls.push_back(grow(p, parent.text, id, std::move(path), std::move(request)));
        }
    }
    std::vector<Grown> grown = co_await async::when_all(std::move(calls));

    Expansion out;
    for (Grown& g : grown) {
        if (g.node) {
            nodes_.push_back(std::move(*g.node));
            out.children.push_back(nodes_.size() - 1);
        }
        if (!g.node || g.scorer_failed) {
            if (g.error.code == ErrorCode::budget_exhausted)
                out.budget_refused = true;
            else
                out.error = g.error.describe();
        }
    }
    co_return out;
}

asio::awaitable<StepTree::Grown> StepTree::grow(std::size_t parent, std::string parent_text,
                                                NodeId id, std::string path,
                                                backends::CompletionRequest request) {
    workers::GenerationStep step;
    step.node = id;
    step.account = services_.ledger.open(scope_.account, path);
    step.request = std::move(request);
    Result<backends::Completion> done = co_await workers::generate(services_, std::move(step));
    Grown out;
    if (!done) {
        out.error = std::move(done).error();
        co_return out;
    }

    SearchNode child;
    child.parent = parent;
    child.node = id;
    child.path = path;
    child.depth = nodes_[parent].depth + 1;
    child.end = classify_step(*done, options_.step_stop, parent_text);
    child.text = std::move(parent_text) + done->text;
    if (child.end == StepEnd::step) child.text += options_.step_stop;
    child.usage = done->usage;

    verifiers::PartialSolution partial;
    partial.task = scope_.task;
    partial.kind = scope_.kind;
    partial.prompt = prompt_;
    partial.text = child.text;
    partial.node = id;
    partial.path = path;
    partial.account = services_.ledger.open(scope_.account, path + "/score");
    Result<verifiers::StepScore> scored = co_await scorer_.score(services_, std::move(partial));
    if (!scored) {
        // The step stands; it is ranked by the checker alone.
        out.scorer_failed = true;
        out.error = scored.error();
        verifiers::PartialSolution plain;
        plain.task = scope_.task;
        plain.kind = scope_.kind;
        plain.text = child.text;
        verifiers::StepScore fallback = verifiers::grade_partial(plain);
        child.accepted = fallback.accepted;
        child.score = fallback.score;
    } else {
        child.accepted = scored->accepted;
        child.score = scored->score;
        child.judge_usage = scored->judge_usage;
        child.judge_calls = scored->judge_calls;
    }
    child.finished = child.end == StepEnd::finished || child.accepted;
    services_.recorder.event(id, "step_scored",
                             json_text(nlohmann::json{{"end", std::string(to_string(child.end))},
                                                      {"score", child.score},
                                                      {"accepted", child.accepted},
                                                      {"depth", child.depth}}));
    out.node = std::move(child);
    co_return out;
}

std::int64_t StepTree::new_tokens(std::size_t index) const {
    const SearchNode& n = nodes_[index];
    if (!n.parent) return 0;
    std::int64_t shared = 0;
    if (*n.parent == root()) {
        // Siblings at the root share the task prompt; it is counted once, as the root's.
        shared = n.usage.prompt_tokens;
    } else {
        const SearchNode& p = nodes_[*n.parent];
        shared = std::min(n.usage.prompt_tokens, p.usage.prompt_tokens + p.usage.completion_tokens);
    }
    return n.usage.prompt_tokens - shared + n.usage.completion_tokens +
           n.judge_usage.total_tokens();
}

PlanMetrics StepTree::metrics(std::optional<std::size_t> selected) const {
    PlanMetrics m;
    std::int64_t root_prompt = 0;
    for (const SearchNode& n : nodes_)
        if (n.depth == 1) root_prompt = std::max(root_prompt, n.usage.prompt_tokens);
    m.total_tokens = root_prompt;
    for (std::size_t i = 1; i < nodes_.size(); ++i) {
        m.total_tokens += new_tokens(i);
        m.threads += 1 + nodes_[i].judge_calls;
        m.max_depth = std::max(m.max_depth, nodes_[i].depth);
    }
    m.model_calls = m.threads;
    if (selected) {
        m.critical_path_tokens = root_prompt;
        for (std::optional<std::size_t> i = selected; i && *i != root(); i = nodes_[*i].parent)
            m.critical_path_tokens += new_tokens(*i);
    }
    m.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
            .count();
    return m;
}

TaskOutcome StepTree::outcome(std::vector<std::size_t> candidates, const verifiers::Shortfall& stop) {
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    std::vector<Found> found;
    std::vector<std::size_t> index_of;  // candidate position → tree index
    const std::string step_verifier = "step-" + std::string(scorer_.name());
    for (std::size_t i : candidates) {
        if (i == root() || i >= nodes_.size()) continue;
        const SearchNode& n = nodes_[i];
        Found f;
        f.node = n.node;
        f.text = n.text;
        for (std::optional<std::size_t> j = i; j && *j != root(); j = nodes_[*j].parent)
            f.completion_tokens += nodes_[*j].usage.completion_tokens;
        f.scores[std::string(search_verifier)] = search_score(n.accepted, n.score);
        f.scores[step_verifier] = n.score;
        found.push_back(std::move(f));
        index_of.push_back(i);
    }
    TaskOutcome out =
        make_outcome(services_, scope_, label_, "best-score:search", std::move(found), stop);
    std::optional<std::size_t> selected;
    if (out.selection.index) selected = index_of[*out.selection.index];
    out.metrics = metrics(selected);
    services_.recorder.set_status(
        nodes_[root()].node, store::NodeStatus::finished,
        json_text(nlohmann::json{{"nodes", nodes_.size() - 1},
                                 {"stopped_by_budget", stop.budget_refused}}));
    return out;
}

}  // namespace braid::planner::search
