// refine: iterative refinement (planner/search/README.md).
//
// A first answer to the task's prompt, then up to --rounds revisions, each prompted with the
// previous attempt and the checker's reason for rejecting it (refine_prompt.hpp); it stops as soon
// as the checker accepts an attempt, or when the ledger refuses a call. Every attempt is a
// candidate. Selection is best-score:refine, where an attempt's "refine" verdict is its checker
// score (0 or 1) plus a share below 0.5 that grows with the round, so the best checker score wins
// and, among equals, the latest attempt. Each attempt is a node ("attempt", path .../refine/r<i>)
// seeded from its path, so a backend that ignores the feedback still gives a new attempt per round.
// --scorer is not read: the checker is the refinement's verifier.
#include "planner/search/search_strategies.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "planner/search/refine_prompt.hpp"
#include "planner/search/search_outcome.hpp"
#include "workers/generation.hpp"

namespace braid::planner::search {

namespace {

constexpr double kRoundShare = 0.5;

class Refine final : public Strategy {
public:
    explicit Refine(StrategyOptions options) : options_(std::move(options)) {}

    std::string_view name() const override { return "refine"; }
    std::string_view selection_rule() const override { return "best-score:refine"; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    StrategyOptions options_;
};

struct Attempt {
    NodeId node;
    std::string prompt;
    std::string text;
    bool accepted = false;
    std::string reason;
    Usage usage;
};

// Tokens of `a` not already processed as a prefix of the previous call: its prompt repeats the
// previous prompt + attempt (round 1) or at least the task's prompt (later rounds).
std::int64_t new_tokens(const Attempt& a, const Attempt* previous, std::string_view task_prompt,
                        std::int64_t task_prompt_tokens) {
    std::int64_t shared = 0;
    if (previous) {
        const std::string context = previous->prompt + previous->text;
        if (a.prompt.compare(0, context.size(), context) == 0)
            shared = previous->usage.prompt_tokens + previous->usage.completion_tokens;
        else if (a.prompt.compare(0, task_prompt.size(), task_prompt) == 0)
            shared = task_prompt_tokens;
    }
    shared = std::min(shared, a.usage.prompt_tokens);
    return a.usage.prompt_tokens - shared + a.usage.completion_tokens;
}

asio::awaitable<TaskOutcome> Refine::solve(workers::RunServices& services, TaskScope scope) {
    const auto started = std::chrono::steady_clock::now();
    store::RunRecorder& rec = services.recorder;
    const std::string task_prompt = scope.kind->prompt(*scope.task);
    std::vector<Attempt> attempts;
    verifiers::Shortfall stop;
    for (int round = 0; round <= options_.rounds; ++round) {
        std::string path = scope.path + "/refine/r" + std::to_string(round);
        Attempt a;
        a.node = rec.create_node(attempts.empty() ? scope.node : attempts.back().node, path,
                                 store::NodeKind::attempt, "attempt " + std::to_string(round));
        a.prompt = attempts.empty()
                       ? task_prompt
                       : revision_prompt(task_prompt, attempts.back().text, attempts.back().reason);
        workers::GenerationStep step;
        step.node = a.node;
        step.account = services.ledger.open(scope.account, path);
        step.request.model = services.model;
        step.request.prompt = a.prompt;
        step.request.sampling.max_tokens = options_.max_tokens;
        step.request.sampling.temperature = options_.temperature;
        step.request.sampling.seed = workers::node_seed(services.run_seed, path);
        step.request.sampling.stop = scope.kind->stop_strings();
        Result<backends::Completion> done = co_await workers::generate(services, std::move(step));
        if (!done) {
            if (done.error().code == ErrorCode::budget_exhausted)
                stop.budget_refused = true;
            else
                stop.last_error = done.error().describe();
            break;
        }
        a.text = std::move(done->text);
        a.usage = done->usage;
        tasks::Grade grade = scope.kind->grade(*scope.task, a.text);
        a.accepted = grade.correct;
        a.reason = grade.reason;
        rec.event(a.node, "graded",
                  json_text(nlohmann::json{{"accepted", a.accepted}, {"reason", a.reason}}));
        attempts.push_back(std::move(a));
        if (attempts.back().accepted) break;
    }

    std::vector<Found> found;
    PlanMetrics m;
    const std::int64_t task_prompt_tokens =
        attempts.empty() ? 0 : attempts.front().usage.prompt_tokens;
    for (std::size_t i = 0; i < attempts.size(); ++i) {
        const Attempt& a = attempts[i];
        Found f;
        f.node = a.node;
        f.text = a.text;
        f.completion_tokens = a.usage.completion_tokens;
        f.scores["refine"] =
            (a.accepted ? 1.0 : 0.0) +
            kRoundShare * static_cast<double>(i) / static_cast<double>(options_.rounds + 1);
        found.push_back(std::move(f));
        m.total_tokens +=
            new_tokens(a, i ? &attempts[i - 1] : nullptr, task_prompt, task_prompt_tokens);
    }
    TaskOutcome outcome =
        make_outcome(services, scope, "refine", "best-score:refine", std::move(found), stop);
    // The rounds are a chain: the path to the last attempt is every call.
    m.critical_path_tokens = m.total_tokens;
    m.threads = static_cast<int>(attempts.size());
    m.model_calls = m.threads;
    m.max_depth = m.threads;
    m.wall_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    outcome.metrics = m;
    co_return outcome;
}

}  // namespace

std::unique_ptr<Strategy> make_refine(const StrategyOptions& options) {
    return std::make_unique<Refine>(options);
}

}  // namespace braid::planner::search
