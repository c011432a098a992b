// The classic independent-sampling strategies: N threads on the same prompt, then a join.
//   best-of-n         await all; the task checker scores each; the best score wins
//   self-consistency  await all; majority over normalized answers
//   first-finish      the first thread to finish wins; the rest are cancelled at once
// Every sample asks for its tokens' logprobs (no alternatives), and every candidate gets a
// `length` verdict (−completion tokens) and, when its backend returned logprobs, a `confidence`
// verdict (their mean): stored, and in its scores, for rules other than the strategy's own.
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "planner/strategies.hpp"
#include "store/store.hpp"
#include "verifiers/confidence.hpp"
#include "verifiers/selection.hpp"
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

// Logprobs of the chosen tokens only: what `confidence` needs, without alternatives' cost.
constexpr int sample_top_logprobs = 0;

class SamplingStrategy final : public Strategy {
public:
    SamplingStrategy(ModeInfo info, StrategyOptions options) : info_(info), options_(options) {}

    std::string_view name() const override { return info_.name; }
    // --verifier, when given, replaces the mode's own rule.
    std::string_view selection_rule() const override {
        return options_.verifier.empty() ? info_.rule : std::string_view(options_.verifier);
    }
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
        NodeId node = rec.create_node(scope.node, path, store::NodeKind::sample,
                                      "sample " + std::to_string(i));
        workers::GenerationStep step;
        step.node = node;
        step.account = services.ledger.open(scope.account, path);
        step.request.model = services.model;
        step.request.prompt = prompt;
        step.request.sampling.max_tokens = options_.max_tokens;
        step.request.sampling.temperature = options_.temperature;
        step.request.sampling.seed = workers::node_seed(services.run_seed, path);
        step.request.sampling.stop = scope.kind->stop_strings();
        step.request.sampling.top_logprobs = sample_top_logprobs;
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

    TaskOutcome outcome;
    verifiers::Shortfall shortfall;
    const verifiers::VerdictRecorder verdicts = verdict_recorder(services, scope);
    std::int64_t longest = 0;
    int started = 0;  // threads the ledger let call the model
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!results[i]) {  // cancelled before producing anything
            ++started;
            continue;
        }
        CompletionResult& r = *results[i];
        if (!r) {
            if (r.error().code != ErrorCode::budget_exhausted) ++started;
            shortfall.note(r.error());
            continue;
        }
        ++started;
        PlanMetrics& m = outcome.metrics;
        // One prompt shared by every sample: counted once.
        if (m.model_calls == 0) m.total_tokens += r->usage.prompt_tokens;
        m.total_tokens += r->usage.completion_tokens;
        ++m.model_calls;
        // The critical path: the longest sample, or the winner when the rest were cancelled.
        const std::int64_t tokens = r->usage.prompt_tokens + r->usage.completion_tokens;
        if (info_.mode != Mode::first_finish)
            longest = std::max(longest, tokens);
        else if (first == i)
            longest = tokens;
        const std::optional<double> confidence = verifiers::mean_logprob(r->logprobs);
        const std::int64_t completion_tokens = r->usage.completion_tokens;
        verifiers::Candidate c = verdicts.record_candidate(nodes[i], std::move(r->text), completion_tokens);
        if (confidence)
            verdicts.record_verdict(c, verifiers::confidence_verifier, *confidence, 0.0,
                                    json_text(nlohmann::json{{"tokens", r->logprobs.size()}}));
        verdicts.record_verdict(
            c, verifiers::length_verifier, -static_cast<double>(completion_tokens), 0.0,
            json_text(nlohmann::json{{"completion_tokens", completion_tokens}}));
        if (info_.mode == Mode::first_finish)
            verdicts.record_verdict(c, verifiers::first_finish_verifier, first == i ? 1.0 : 0.0);
        outcome.candidates.push_back(std::move(c));
    }
    outcome.metrics.critical_path_tokens = longest;
    outcome.metrics.threads = started;
    outcome.metrics.max_depth = 1;
    verdicts.select({.rule = std::string(selection_rule()),
                     .label = std::string(info_.name),
                     .joined = nodes,
                     .fallback = shortfall.fallback(outcome.candidates.size()),
                     .event = nlohmann::json{{"metrics", to_json(outcome.metrics)}}},
                    outcome);
    co_return outcome;
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_sampling_strategy(std::string_view name, const StrategyOptions& options) {
    for (const ModeInfo& info : modes)
        if (info.name == name) return std::unique_ptr<Strategy>(std::make_unique<SamplingStrategy>(info, options));
    return make_error(ErrorCode::internal, "not a sampling strategy: " + std::string(name));
}

}  // namespace braid::planner
