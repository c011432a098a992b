#include "planner/multiverse/multiverse_thread.hpp"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "planner/multiverse/multiverse_format.hpp"

namespace braid::planner::multiverse {

namespace {

using workers::CallEnd;
using workers::LoopDecision;
using workers::ThreadText;

// Prompt characters of call k that are new to that call (not processed by the call before) and,
// of those, how many repeat text another thread already counted.
struct RepeatNote {
    std::size_t new_chars = 0;
    std::size_t repeated_chars = 0;
};

struct ThreadState {
    TaskTree& tree;
    NodeId node;
    std::string path;
    bool is_path = false;
    std::size_t prompt_chars = 0;
    int block_depth = 0;
    int blocks = 0;
    int calls_seen = 0;                  // handler invocations = calls made so far
    std::map<int, RepeatNote> notes;     // by call index
    PlanMetrics children;                // summed over every path forked (their whole trees)
    std::int64_t children_critical = 0;  // sum over blocks of the longest path's critical path
};

void record(ThreadState& st, std::string type, const nlohmann::json& payload) {
    st.tree.services.recorder.event(st.node, std::move(type), json_text(payload));
}

// Share of `tokens` that `part` of `whole` characters stands for.
std::int64_t scaled(std::int64_t tokens, std::size_t part, std::size_t whole) {
    if (whole == 0 || part == 0) return 0;
    part = std::min(part, whole);
    return static_cast<std::int64_t>(static_cast<double>(tokens) * static_cast<double>(part) /
                                     static_cast<double>(whole));
}

asio::awaitable<LoopDecision> fork_paths(ThreadState& st, ThreadText& text, const CallEnd& end) {
    const TreeLimits& limits = st.tree.limits;
    const std::string own = text.text.substr(st.prompt_chars);
    auto ids = goal_outline_ids(own);
    if (!ids) co_return LoopDecision::fail(ids.error().message);
    auto open = open_tags(own);
    BRAID_ASSERT(open.has_value(), "goal_outline_ids checked the tags");
    const int depth =
        st.block_depth + static_cast<int>(std::count(open->begin(), open->end(), "Parallel"));
    const std::size_t processed_chars = text.text.size();
    text.text += kGoalEnd;

    auto refuse = [&](const std::string& reason) {
        record(st, "fork_refused",
               nlohmann::json{{"reason", reason}, {"depth", depth}, {"outlines", *ids}});
        return LoopDecision::proceed();  // sequential: the model writes the paths itself
    };
    if (depth > limits.max_depth)
        co_return refuse("parallel block at depth " + std::to_string(depth) +
                         " exceeds --max-depth " + std::to_string(limits.max_depth));
    if (limits.thread_tokens - end.thread_completion_tokens < kForkMarginTokens)
        co_return refuse("within " + std::to_string(kForkMarginTokens) +
                         " tokens of the thread's token cap");
    if (st.blocks >= limits.max_spawns)
        co_return LoopDecision::fail("more than " + std::to_string(limits.max_spawns) +
                                     " parallel blocks in one thread (--max-spawns)");
    const int slots = limits.max_threads - st.tree.threads_started;
    if (slots <= 0)
        co_return refuse("the task already has " + std::to_string(st.tree.threads_started) +
                         " threads (--max-threads " + std::to_string(limits.max_threads) + ")");

    std::vector<std::string> dropped;
    std::string drop_reason;
    const auto keep = static_cast<std::size_t>(std::min(limits.max_children, slots));
    if (ids->size() > keep) {
        dropped.assign(ids->begin() + static_cast<std::ptrdiff_t>(keep), ids->end());
        ids->resize(keep);
        drop_reason =
            static_cast<int>(keep) == limits.max_children
                ? "more than " + std::to_string(limits.max_children) + " outlines (--max-children)"
                : "only " + std::to_string(slots) + " threads left (--max-threads)";
        record(st, "outlines_dropped",
               nlohmann::json{{"dropped", dropped}, {"reason", drop_reason}});
    }

    const int block = st.blocks++;
    const std::string block_path = st.path + "/b" + std::to_string(block);
    st.tree.threads_started += static_cast<int>(ids->size());
    record(st, "fork", nlohmann::json{{"block", block}, {"depth", depth}, {"paths", *ids}});

    const std::string prefix = text.text;
    std::vector<asio::awaitable<ThreadOutcome>> paths;
    for (const std::string& id : *ids) {
        ThreadArgs args;
        args.parent = st.node;
        args.path = block_path + "/p" + id;
        args.kind = store::NodeKind::path;
        args.label = "path " + id;
        args.prompt = prefix + path_start(id);
        args.block_depth = depth;
        args.inherited_chars = prefix.size();
        paths.push_back(run_multiverse_thread(st.tree, std::move(args)));
    }
    std::vector<ThreadOutcome> outcomes = co_await async::when_all(std::move(paths));

    // Reduce.
    store::RunRecorder& rec = st.tree.services.recorder;
    NodeId join = rec.create_node(st.node, block_path + "/join", store::NodeKind::join,
                                  "reduce b" + std::to_string(block));
    rec.set_status(join, store::NodeStatus::running);
    backends::ParallelLayout layout;
    layout.prefix_chars = prefix.size();
    std::string merged = prefix;
    std::size_t repeated = 0;
    std::int64_t longest = 0;
    nlohmann::json kept = nlohmann::json::array(), failed = nlohmann::json::array();
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        const ThreadOutcome& o = outcomes[i];
        rec.add_edge(o.node, join, store::EdgeKind::join);
        st.children += o.metrics;
        longest = std::max(longest, o.metrics.critical_path_tokens);
        if (!o.result.ok()) {
            failed.push_back(
                nlohmann::json{{"path", (*ids)[i]},
                               {"status", std::string(workers::to_string(o.result.status))},
                               {"reason", o.result.reason}});
            continue;
        }
        std::string piece = o.result.context.text.substr(prefix.size()) + std::string(kPathEnd);
        repeated += piece.size() - kPathEnd.size();
        layout.path_chars.push_back(piece.size());
        merged += piece;
        kept.push_back((*ids)[i]);
    }
    st.children_critical += longest;
    nlohmann::json payload{{"kept", kept}, {"failed", failed}, {"dropped", dropped}};
    if (kept.empty()) {
        rec.set_status(join, store::NodeStatus::failed, json_text(payload));
        co_return LoopDecision::fail("every path of block " + std::to_string(block) +
                                     " failed (first: " + failed[0].value("reason", std::string()) +
                                     ")");
    }
    merged += kConclusionStart;
    payload["layout"] = layout.path_chars.size() >= 2;
    rec.set_status(join, store::NodeStatus::finished, json_text(payload));
    text.text = std::move(merged);
    if (layout.path_chars.size() >= 2)
        text.layout = std::move(layout);  // one path reads as plain text
    st.notes[st.calls_seen] = RepeatNote{text.text.size() - processed_chars, repeated};
    co_return LoopDecision::proceed();
}

asio::awaitable<LoopDecision> on_trigger(ThreadState& st, ThreadText& text, CallEnd end) {
    ++st.calls_seen;
    if (end.trigger == kGoalClose) {
        LoopDecision decision = co_await fork_paths(st, text, end);
        co_return decision;
    }
    const std::string own = text.text.substr(st.prompt_chars);
    auto open = open_tags(own);
    if (!open) co_return LoopDecision::fail(open.error().message);
    if (end.trigger == kPathClose) {
        if (!open->empty() && open->back() == "Path") {  // an inline path (after a refused fork)
            text.text += kPathEnd;
            co_return LoopDecision::proceed();
        }
        if (!st.is_path) co_return LoopDecision::fail("</Path> outside a path");
        if (!open->empty())
            co_return LoopDecision::fail("unbalanced tags: <" + open->back() + "> open at </Path>");
        co_return LoopDecision::finish();
    }
    if (end.finish_reason == "length")
        co_return LoopDecision::finish();  // cut short; grading decides
    if (st.is_path) co_return LoopDecision::fail("the path ended without </Path>");
    if (!open->empty())
        co_return LoopDecision::fail("unbalanced tags: <" + open->back() + "> open at the end");
    co_return LoopDecision::finish();
}

}  // namespace

asio::awaitable<ThreadOutcome> run_multiverse_thread(TaskTree& tree, ThreadArgs args) {
    store::RunRecorder& rec = tree.services.recorder;
    ThreadOutcome out;
    out.node = rec.create_node(args.parent, args.path, args.kind, args.label);

    ThreadState st{tree,
                   out.node,
                   args.path,
                   args.kind == store::NodeKind::path,
                   args.prompt.size(),
                   args.block_depth,
                   0,
                   0,
                   {},
                   {},
                   0};
    st.notes[0] = RepeatNote{args.prompt.size(), args.inherited_chars};

    workers::ThreadSpec spec;
    spec.node = out.node;
    spec.path = args.path;
    spec.account = tree.services.ledger.open(tree.account, args.path);
    spec.request = tree.request;
    spec.request.prompt = std::move(args.prompt);
    spec.request.sampling.seed = workers::node_seed(tree.services.run_seed, args.path);
    spec.triggers = {std::string(kGoalClose), std::string(kPathClose)};
    spec.max_thread_tokens = tree.limits.thread_tokens;

    workers::TriggerHandler handler = [&st](ThreadText& text, const CallEnd& end) {
        return on_trigger(st, text, end);
    };
    auto running = workers::run_thread(tree.services, std::move(spec), std::move(handler));
    Result<workers::ThreadResult> done = co_await std::move(running);
    if (done) {
        out.result = std::move(*done);
    } else {
        out.result.status = workers::ThreadStatus::cancelled;
        out.result.reason = done.error().describe();
    }

    std::int64_t own = 0;
    for (std::size_t k = 0; k < out.result.calls.size(); ++k) {
        const workers::ThreadCall& call = out.result.calls[k];
        std::int64_t fresh = call.new_prompt_tokens;
        auto note = st.notes.find(static_cast<int>(k));
        if (note != st.notes.end())
            fresh -=
                scaled(call.new_prompt_tokens, note->second.repeated_chars, note->second.new_chars);
        own += std::max<std::int64_t>(0, fresh) + call.completion_tokens;
    }
    PlanMetrics self;
    self.total_tokens = own;
    self.critical_path_tokens = own + st.children_critical;
    self.threads = 1;
    self.max_depth = args.block_depth + 1;
    self.model_calls = static_cast<int>(out.result.calls.size());
    out.metrics = self;
    out.metrics.total_tokens += st.children.total_tokens;
    out.metrics.threads += st.children.threads;
    out.metrics.max_depth = std::max(self.max_depth, st.children.max_depth);
    out.metrics.model_calls += st.children.model_calls;
    co_return out;
}

}  // namespace braid::planner::multiverse
