// multiverse: N independent main threads (--samples), each a Multiverse map/process/reduce tree
// (multiverse_thread.hpp); each main thread's own text is graded by the task kind and the answer
// most main threads agree on is selected ("majority", like self-consistency). A main thread that
// failed (malformed output, backend failure) gives no candidate.
#include <chrono>

#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "planner/multiverse/multiverse_thread.hpp"
#include "planner/strategies.hpp"

namespace braid::planner {

namespace {

constexpr std::string_view kRule = "majority";
constexpr std::int64_t kDefaultThreadCalls = 4;  // --thread-tokens 0: this many calls' max_tokens

class MultiverseStrategy final : public Strategy {
public:
    explicit MultiverseStrategy(StrategyOptions options) : options_(std::move(options)) {}

    std::string_view name() const override { return "multiverse"; }
    std::string_view selection_rule() const override { return kRule; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    StrategyOptions options_;
};

asio::awaitable<TaskOutcome> MultiverseStrategy::solve(workers::RunServices& services,
                                                       TaskScope scope) {
    const auto started = std::chrono::steady_clock::now();
    const tasks::Task& task = *scope.task;

    multiverse::TaskTree tree{services, {}, {}, scope.account, options_.samples};
    tree.limits.max_depth = options_.max_depth;
    tree.limits.max_children = options_.max_children;
    tree.limits.max_threads = options_.max_threads;
    tree.limits.max_spawns = options_.max_spawns;
    tree.limits.thread_tokens = options_.thread_tokens > 0
                                    ? options_.thread_tokens
                                    : kDefaultThreadCalls * options_.max_tokens;
    tree.request.model = services.model;
    tree.request.sampling.max_tokens = options_.max_tokens;
    tree.request.sampling.temperature = options_.temperature;
    tree.request.sampling.stop = scope.kind->stop_strings();

    const std::string prompt = scope.kind->prompt(task);
    std::vector<asio::awaitable<multiverse::ThreadOutcome>> mains;
    for (int i = 0; i < options_.samples; ++i) {
        multiverse::ThreadArgs args;
        args.parent = scope.node;
        args.path = scope.path + "/m" + std::to_string(i);
        args.kind = store::NodeKind::thread;
        args.label = "main " + std::to_string(i);
        args.prompt = prompt;
        mains.push_back(multiverse::run_multiverse_thread(tree, std::move(args)));
    }
    std::vector<multiverse::ThreadOutcome> results = co_await async::when_all(std::move(mains));

    TaskOutcome outcome;
    verifiers::Shortfall shortfall;
    const verifiers::VerdictRecorder verdicts = verdict_recorder(services, scope);
    std::vector<NodeId> threads;
    for (multiverse::ThreadOutcome& r : results) {
        threads.push_back(r.node);
        outcome.metrics += r.metrics;
        if (!r.result.ok()) {
            shortfall.note_thread(r.result.status, r.result.reason);
            continue;
        }
        outcome.candidates.push_back(
            verdicts.record_candidate(r.node, r.own_text(), r.result.completion_tokens()));
    }
    outcome.metrics.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    verdicts.select({.rule = std::string(kRule),
                     .label = std::string(name()),
                     .joined = threads,
                     .fallback = shortfall.fallback(outcome.candidates.size()),
                     .event = nlohmann::json{{"metrics", to_json(outcome.metrics)}}},
                    outcome);
    co_return outcome;
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_multiverse_strategy(std::string_view name,
                                                           const StrategyOptions& options) {
    if (name != "multiverse")
        return make_error(ErrorCode::internal, "not the multiverse strategy: " + std::string(name));
    return std::unique_ptr<Strategy>(std::make_unique<MultiverseStrategy>(options));
}

}  // namespace braid::planner
