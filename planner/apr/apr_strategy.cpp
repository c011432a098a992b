// APR (reference/parallel.md §1): threads whose own output spawns child threads and joins them.
//
//   root thread(s)   --samples independent roots on the task's prompt (optionally prefixed
//                    "Sub Call Budget: N "), each a workers::run_thread with trigger "<Sub Searches>"
//   spawn            a call that ends with a spawn block (apr_protocol.hpp) launches one child per
//                    "<Start Sub Search i ...> Moving to Node #X", concurrently; a child's prompt is
//                    the state of node X rebuilt from the parent's own lines ("Token Budget: N "
//                    optional); children run the same loop one level deeper, so they may spawn too
//   join             the parent's text from "<Calling Sub Searches>" on is replaced by the join block
//                    (each child's clean solution path or its no-solution line) and decoding goes on
//   rewrite          a model that writes "<Sub Searches>" itself (inventing child results) is stopped
//                    there and made to write "<Calling Sub Searches>" instead, as the reference does
//
// Guards, each failing only the thread at fault with its reason on the node: a spawn deeper than
// --max-depth, more than --max-spawns spawns in one thread (an endless spawn loop), a spawn block
// that does not parse or names a node never generated. Children beyond --max-children per spawn
// or --max-threads per task are not started and join as "No Solution"; a failed child joins as
// "No Solution" too. Seeds: a root's from the run seed and its path, a child's by apr_child_seed
// from its parent's, so the symbolic APR model reproduces apr_search() exactly.
//
// The spawn protocol names Countdown search nodes, so apr solves Countdown tasks only.
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "planner/strategies.hpp"
#include "tasks/countdown/apr_protocol.hpp"
#include "tasks/countdown/standin/apr_model.hpp"
#include "workers/thread_loop.hpp"

namespace braid::planner {

namespace {

namespace cd = tasks::countdown;

constexpr std::string_view kRewriteTrigger = "<Sub Searches>";

// One thread's result and what it cost, children included.
struct AprThreadResult {
    workers::ThreadResult thread;
    std::int64_t total_tokens = 0;     // its own tokens (shared prefixes once) + its children's
    std::int64_t critical_tokens = 0;  // its own + the longest child of each spawn
    int calls = 0;
};

// State shared by every thread of one task.
struct AprTask {
    workers::RunServices& services;
    const StrategyOptions& options;
    std::vector<std::string> stops;
    int threads = 0;    // started so far, roots included
    int max_level = 0;  // deepest level a thread started at (roots: 0)
};

std::string budget_prefix(std::string_view label, std::int64_t n) {
    return n > 0 ? std::string(label) + std::to_string(n) + " " : std::string();
}

// "Token Budget: N " takes N rounded up to a multiple of 512 (reference §1.2).
std::int64_t round_up_512(std::int64_t n) { return (n + 511) / 512 * 512; }

asio::awaitable<Result<AprThreadResult>> run_apr_thread(AprTask& task, NodeId node, std::string path,
                                                        Ledger::AccountId account, std::string prompt,
                                                        std::uint64_t seed, int level);

// Runs the children of one spawn and returns their results in order, children that were not
// started or failed as unsolved.
struct SpawnOutcome {
    std::vector<cd::ChildResult> results;
    std::int64_t total_tokens = 0;
    std::int64_t critical_tokens = 0;
    int calls = 0;
};

asio::awaitable<SpawnOutcome> run_children(AprTask& task, NodeId parent, const std::string& parent_path,
                                           Ledger::AccountId account, std::uint64_t seed, int spawn, int level,
                                           const std::vector<cd::SpawnRequest>& requests) {
    store::RunRecorder& rec = task.services.recorder;
    SpawnOutcome out;
    std::vector<asio::awaitable<Result<AprThreadResult>>> started;
    std::vector<std::size_t> started_index;
    std::vector<NodeId> started_nodes;
    nlohmann::json skipped = nlohmann::json::array();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        out.results.push_back(cd::ChildResult{requests[i].state.node_id, false, {}});
        if (static_cast<int>(i) >= task.options.max_children) {
            skipped.push_back({{"node", requests[i].state.node_id}, {"reason", "--max-children"}});
            continue;
        }
        if (task.threads >= task.options.max_threads) {
            skipped.push_back({{"node", requests[i].state.node_id}, {"reason", "--max-threads"}});
            continue;
        }
        ++task.threads;
        task.max_level = std::max(task.max_level, level);
        std::string child_path = parent_path + "/s" + std::to_string(spawn) + "." + std::to_string(i);
        NodeId child = rec.create_node(parent, child_path, store::NodeKind::thread,
                                       "apr child #" + requests[i].state.node_id);
        std::string prompt = requests[i].prompt;
        if (task.options.child_token_budget > 0)
            prompt = budget_prefix("Token Budget: ", round_up_512(task.options.child_token_budget)) + prompt;
        started.push_back(run_apr_thread(task, child, child_path, task.services.ledger.open(account, child_path),
                                         std::move(prompt), cd::apr_child_seed(seed, spawn, static_cast<int>(i)),
                                         level));
        started_index.push_back(i);
        started_nodes.push_back(child);
    }
    if (!skipped.empty())
        rec.event(parent, "children_capped",
                  json_text(nlohmann::json{{"spawn", spawn}, {"skipped", skipped}}));

    std::vector<Result<AprThreadResult>> done = co_await async::when_all(std::move(started));
    for (std::size_t k = 0; k < done.size(); ++k) {
        rec.add_edge(started_nodes[k], parent, store::EdgeKind::join);
        if (!done[k]) continue;  // cancelled
        const AprThreadResult& r = *done[k];
        // A child the ledger refused before its first call never ran.
        if (r.thread.calls.empty() && r.thread.status == workers::ThreadStatus::budget_exhausted)
            --task.threads;
        out.total_tokens += r.total_tokens;
        out.critical_tokens = std::max(out.critical_tokens, r.critical_tokens);
        out.calls += r.calls;
        if (!r.thread.ok()) continue;
        out.results[started_index[k]] = cd::child_result(requests[started_index[k]].state.node_id, r.thread.context.text);
    }
    co_return out;
}

asio::awaitable<Result<AprThreadResult>> run_apr_thread(AprTask& task, NodeId node, std::string path,
                                                        Ledger::AccountId account, std::string prompt,
                                                        std::uint64_t seed, int level) {
    workers::RunServices& services = task.services;
    const StrategyOptions& o = task.options;
    workers::ThreadSpec spec;
    spec.node = node;
    spec.path = path;
    spec.account = account;
    spec.request.model = services.model;
    spec.request.prompt = std::move(prompt);
    spec.request.sampling.max_tokens = o.max_tokens;
    spec.request.sampling.temperature = o.temperature;
    spec.request.sampling.seed = seed;
    spec.request.sampling.stop = task.stops;
    spec.triggers = {std::string(kRewriteTrigger)};
    spec.max_thread_tokens = o.thread_tokens > 0 ? o.thread_tokens : 4 * o.max_tokens;
    // Each spawn takes one more call; rewrites take one each. The spawn guard fires first.
    spec.max_calls = 2 * o.max_spawns + 4;

    int spawns = 0;
    std::int64_t children_total = 0, children_critical = 0;
    int children_calls = 0;
    workers::TriggerHandler handler = [&](workers::ThreadText& t,
                                          const workers::CallEnd& end) -> asio::awaitable<workers::LoopDecision> {
        store::RunRecorder& rec = services.recorder;
        if (end.trigger == kRewriteTrigger) {
            t.text += std::string(cd::kCallingSubSearches) + "\n";
            rec.event(node, "rewrite",
                      json_text(nlohmann::json{{"wrote", kRewriteTrigger},
                                               {"forced", cd::kCallingSubSearches}}));
            co_return workers::LoopDecision::proceed();
        }
        if (!cd::ends_with_spawn(t.text)) co_return workers::LoopDecision::finish();
        if (spawns >= o.max_spawns)
            co_return workers::LoopDecision::fail("spawn " + std::to_string(spawns + 1) + " exceeds --max-spawns " +
                                                  std::to_string(o.max_spawns) + " (a spawn loop?)");
        if (level + 1 > o.max_depth)
            co_return workers::LoopDecision::fail("a spawn at depth " + std::to_string(level + 1) +
                                                  " exceeds --max-depth " + std::to_string(o.max_depth));
        auto requests = cd::parse_spawn(t.text);
        if (!requests) co_return workers::LoopDecision::fail(requests.error().message);
        const int spawn = spawns++;
        const int block_level = cd::spawn_level(t.text);
        rec.event(node, "spawn",
                  json_text(nlohmann::json{{"spawn", spawn}, {"children", requests->size()}}));
        SpawnOutcome children = co_await run_children(task, node, path, account, seed, spawn, level + 1, *requests);
        children_total += children.total_tokens;
        children_critical += children.critical_tokens;
        children_calls += children.calls;
        auto joined = cd::splice_join(t.text, children.results, block_level);
        if (!joined) co_return workers::LoopDecision::fail(joined.error().message);
        t.text = std::move(*joined);
        int solved = 0;
        for (const cd::ChildResult& r : children.results) solved += r.solved ? 1 : 0;
        rec.event(node, "join",
                  json_text(nlohmann::json{{"spawn", spawn}, {"solved_children", solved}}));
        co_return workers::LoopDecision::proceed();
    };

    Result<workers::ThreadResult> thread = co_await workers::run_thread(services, std::move(spec), handler);
    if (!thread) co_return std::move(thread).error();
    AprThreadResult out;
    out.thread = std::move(*thread);
    out.calls = static_cast<int>(out.thread.calls.size()) + children_calls;
    out.total_tokens = out.thread.unique_tokens() + children_total;
    out.critical_tokens = out.thread.unique_tokens() + children_critical;
    co_return out;
}

class AprStrategy final : public Strategy {
public:
    explicit AprStrategy(StrategyOptions options) : options_(std::move(options)) {}
    std::string_view name() const override { return "apr"; }
    std::string_view selection_rule() const override { return "best-score:checker"; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    StrategyOptions options_;
};

asio::awaitable<TaskOutcome> AprStrategy::solve(workers::RunServices& services, TaskScope scope) {
    TaskOutcome outcome;
    if (scope.kind->name() != "countdown") {
        outcome.status = store::TaskStatus::failed;
        outcome.error = "apr solves countdown tasks only (its spawn blocks name Countdown search nodes); task " +
                        scope.task->id + " is " + std::string(scope.kind->name());
        co_return outcome;
    }
    store::RunRecorder& rec = services.recorder;
    AprTask task{services, options_, scope.kind->stop_strings(), 0, 0};
    const std::string prompt = budget_prefix("Sub Call Budget: ", options_.sub_call_budget) + scope.kind->prompt(*scope.task);

    std::vector<NodeId> roots;
    std::vector<asio::awaitable<Result<AprThreadResult>>> threads;
    for (int i = 0; i < options_.samples; ++i) {
        std::string path = scope.path + "/r" + std::to_string(i);
        NodeId node = rec.create_node(scope.node, path, store::NodeKind::thread,
                                      "apr root " + std::to_string(i));
        ++task.threads;
        roots.push_back(node);
        threads.push_back(run_apr_thread(task, node, path, services.ledger.open(scope.account, path), prompt,
                                         workers::node_seed(services.run_seed, path), 0));
    }
    std::vector<Result<AprThreadResult>> done = co_await async::when_all(std::move(threads));

    verifiers::Shortfall shortfall;
    const verifiers::VerdictRecorder verdicts = verdict_recorder(services, scope);
    for (std::size_t i = 0; i < done.size(); ++i) {
        if (!done[i]) {
            shortfall.note(done[i].error());
            continue;
        }
        AprThreadResult& r = *done[i];
        outcome.metrics.total_tokens += r.total_tokens;
        outcome.metrics.critical_path_tokens = std::max(outcome.metrics.critical_path_tokens, r.critical_tokens);
        outcome.metrics.model_calls += r.calls;
        if (!r.thread.ok()) {
            shortfall.note_thread(r.thread.status, r.thread.reason);
            continue;
        }
        std::string output = r.thread.context.text.substr(r.thread.context.prompt.size());
        outcome.candidates.push_back(
            verdicts.record_candidate(roots[i], std::move(output), r.thread.completion_tokens()));
    }
    outcome.metrics.threads = task.threads;
    outcome.metrics.max_depth = task.max_level + 1;
    verdicts.select({.rule = std::string(selection_rule()),
                     .label = std::string(name()),
                     .joined = roots,
                     .fallback = shortfall.fallback(outcome.candidates.size()),
                     .event = nlohmann::json{{"metrics", to_json(outcome.metrics)}}},
                    outcome);
    co_return outcome;
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_apr_strategy(std::string_view, const StrategyOptions& options) {
    return std::unique_ptr<Strategy>(std::make_unique<AprStrategy>(options));
}

}  // namespace braid::planner
