// The classic independent-sampling strategies: N threads on the same prompt, then a join.
//   best-of-n         await all; the task checker scores each; the best score wins
//   self-consistency  await all; majority over normalized answers
//   first-finish      the first thread to finish wins; the rest are cancelled at once
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "planner/strategies.hpp"
#include "store/store.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/task_checker.hpp"
#include "workers/generation.hpp"

namespace braid::planner {

namespace {

enum class Mode { best_of_n, self_consistency, first_finish };

struct ModeInfo {
    Mode mode;
    std::string_view name;
    std::string_view rule;
};

constexpr ModeInfo modes[] = {
    {Mode::best_of_n, "best-of-n", "best-score:checker"},
    {Mode::self_consistency, "self-consistency", "majority"},
    {Mode::first_finish, "first-finish", "first-finish"},
};

using CompletionResult = Result<backends::Completion>;

class SamplingStrategy final : public Strategy {
public:
    SamplingStrategy(ModeInfo info, StrategyOptions options) : info_(info), options_(options) {}

    std::string_view name() const override { return info_.name; }
    std::string_view selection_rule() const override { return info_.rule; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    ModeInfo info_;
    StrategyOptions options_;
};

asio::awaitable<TaskOutcome> SamplingStrategy::solve(workers::RunServices& services, TaskScope scope) {
    store::RunRecorder& rec = services.recorder;
    const tasks::Task& task = *scope.task;
    const std::string prompt = scope.kind->prompt(task);

    std::vector<NodeId> nodes;
    std::vector<asio::awaitable<CompletionResult>> threads;
    for (int i = 0; i < options_.samples; ++i) {
        std::string path = scope.path + "/s" + std::to_string(i);
        NodeId node = rec.create_node(scope.node, path, "sample", "sample " + std::to_string(i));
        workers::GenerationStep step;
        step.node = node;
        step.account = services.ledger.open(scope.account, path);
        step.request.model = services.model;
        step.request.prompt = prompt;
        step.request.sampling.max_tokens = options_.max_tokens;
        step.request.sampling.temperature = options_.temperature;
        step.request.sampling.seed = workers::node_seed(services.run_seed, path);
        step.request.sampling.stop = scope.kind->stop_strings();
        nodes.push_back(node);
        threads.push_back(workers::generate(services, std::move(step)));
    }

    std::vector<std::optional<CompletionResult>> results;
    std::optional<std::size_t> first;
    if (info_.mode == Mode::first_finish) {
        auto outcome = co_await async::first_of(std::move(threads),
                                                [](const CompletionResult& r) { return r.has_value(); });
        results = std::move(outcome.values);
        first = outcome.winner;
    } else {
        auto all = co_await async::when_all(std::move(threads));
        for (auto& r : all) results.emplace_back(std::move(r));
    }

    NodeId join = rec.create_node(scope.node, scope.path + "/select", "join", std::string(info_.name));
    rec.set_status(join, "running");
    TaskOutcome outcome;
    bool budget_refused = false;
    std::string last_error;
    for (std::size_t i = 0; i < results.size(); ++i) {
        rec.add_edge(nodes[i], join, "join");
        if (!results[i]) continue;  // cancelled before producing anything
        CompletionResult& r = *results[i];
        if (!r) {
            if (r.error().code == ErrorCode::budget_exhausted) budget_refused = true;
            if (r.error().code != ErrorCode::cancelled) last_error = r.error().describe();
            continue;
        }
        verifiers::Candidate c;
        c.node = nodes[i];
        c.output = std::move(r->text);
        c.completion_tokens = r->usage.completion_tokens;
        verifiers::Verdict verdict = verifiers::check_with_task(*scope.kind, task, c);
        rec.store().put_candidate(store::CandidateRecord{rec.run(), c.node, task.id, c.output, c.normalized});
        rec.store().put_verdict(store::VerdictRecord{rec.run(), c.node, task.id, verdict.verifier, verdict.score,
                                                     0.0, verdict.details_json});
        if (info_.mode == Mode::first_finish) {
            double won = first == i ? 1.0 : 0.0;
            c.scores[std::string(verifiers::first_finish_verifier)] = won;
            rec.store().put_verdict(store::VerdictRecord{rec.run(), c.node, task.id,
                                                         std::string(verifiers::first_finish_verifier), won,
                                                         0.0, "{}"});
        }
        outcome.candidates.push_back(std::move(c));
    }

    auto selection = verifiers::select_by_rule(info_.rule, outcome.candidates);
    BRAID_ASSERT(selection.has_value(), "built-in strategies name valid rules");
    outcome.selection = std::move(*selection);
    if (outcome.selection.index) {
        const verifiers::Candidate& chosen = outcome.candidates[*outcome.selection.index];
        outcome.status = chosen.score(std::string(verifiers::checker_verifier)).value_or(0) > 0
                             ? TaskStatus::solved
                             : TaskStatus::unsolved;
    } else if (outcome.candidates.empty() && budget_refused) {
        outcome.status = TaskStatus::budget_exhausted;
        outcome.error = "budget exhausted before any sample finished";
    } else if (outcome.candidates.empty() && !last_error.empty()) {
        outcome.status = TaskStatus::failed;
        outcome.error = last_error;
    }
    nlohmann::json payload{{"rule", outcome.selection.rule},
                           {"reason", outcome.selection.reason},
                           {"candidates", outcome.candidates.size()},
                           {"status", std::string(to_string(outcome.status))}};
    if (outcome.selection.index) {
        const verifiers::Candidate& chosen = outcome.candidates[*outcome.selection.index];
        payload["node"] = chosen.node.value;
        payload["answer"] = chosen.normalized;
    }
    rec.event(join, "selected", payload.dump());
    rec.set_status(join, "finished");
    co_return outcome;
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_sampling_strategy(std::string_view name, const StrategyOptions& options) {
    for (const ModeInfo& info : modes)
        if (info.name == name) return std::unique_ptr<Strategy>(std::make_unique<SamplingStrategy>(info, options));
    return make_error(ErrorCode::internal, "not a sampling strategy: " + std::string(name));
}

}  // namespace braid::planner
