// Strategy `swe` (issues 6, 7): N agent threads per task, each in a workspace of its own at the
// task's base commit; their submitted patches become candidates.
//
//   1. The repository's own suite runs once at base ("<task>/base"): the regression baseline, and
//      the check that the repository and commit exist (a bad task fails here, alone).
//   2. `--samples` agents run concurrently (workers/agent), "<task>/s<k>".
//   3. A submitted patch is split into its fix and the tests the agent wrote; the fix is the
//      candidate, the tests are reproduction tests for every candidate.
//   4. The verifiers of verifiers/swe_verification.hpp score the candidates (apply, regression, repro,
//      judge, length) and `--verifier` (default: the hybrid cascade) selects from that visible
//      evidence. The hidden tests are each candidate's "oracle" verdict: they decide
//      solved/unsolved and never the selection.
#include <algorithm>
#include <memory>

#include <asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "core/json_text.hpp"
#include "planner/strategies.hpp"
#include "store/store.hpp"
#include "tasks/swe/grading.hpp"
#include "tasks/swe/swe_kind.hpp"
#include "verifiers/swe_selector.hpp"
#include "verifiers/swe_verification.hpp"
#include "workers/agent/agent.hpp"
#include "workers/tools/swe_tools.hpp"

namespace braid::planner {

namespace {

namespace sw = tasks::swe;

constexpr std::string_view kRule = "hybrid";
constexpr std::size_t kPoolThreads = 4;  // blocking work is mostly waiting on child processes

struct AgentRun {
    NodeId node;
    std::optional<workers::agent::AgentResult> result;
    std::optional<Error> error;
};

class SweStrategy final : public Strategy {
public:
    SweStrategy(StrategyOptions options, std::shared_ptr<sw::WorkspaceRoot> root)
        : options_(std::move(options)),
          sandbox_(tasks::env::probe_sandbox()),
          root_(std::move(root)),
          pool_(std::make_unique<asio::thread_pool>(kPoolThreads)),
          rule_(selection_rule_of("swe", options_).value_or(std::string(kRule))) {}
    ~SweStrategy() override { pool_->join(); }

    std::string_view name() const override { return "swe"; }
    std::string_view selection_rule() const override { return rule_; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    asio::awaitable<Result<sw::TestRun>> base_run(const sw::SweTask& task);
    asio::awaitable<AgentRun> agent(workers::RunServices& services, const TaskScope& scope, const sw::SweTask& task,
                                    int index);

    StrategyOptions options_;
    tasks::env::Sandbox sandbox_;
    std::shared_ptr<sw::WorkspaceRoot> root_;
    std::unique_ptr<asio::thread_pool> pool_;
    std::string rule_;
};

asio::awaitable<Result<sw::TestRun>> SweStrategy::base_run(const sw::SweTask& task) {
    auto work = [this, &task]() -> Result<sw::TestRun> {
        auto workspace = sw::Workspace::create(root_, task.env.repo_path, task.base_commit, "base");
        if (!workspace) return std::move(workspace).error();
        return sw::run_tests(*workspace, task.env, {}, sandbox_);
    };
    auto op = async::run_blocking(*pool_, std::move(work));
    co_return co_await std::move(op);
}

asio::awaitable<AgentRun> SweStrategy::agent(workers::RunServices& services, const TaskScope& scope,
                                             const sw::SweTask& task, int index) {
    store::RunRecorder& rec = services.recorder;
    const std::string path = scope.path + "/s" + std::to_string(index);
    AgentRun run;
    run.node = rec.create_node(scope.node, path, store::NodeKind::thread,
                               "agent " + std::to_string(index));
    // A unique_ptr: co_spawn needs a default-constructible result.
    auto make = [this, &task, index]() -> Result<std::unique_ptr<sw::Workspace>> {
        auto made = sw::Workspace::create(root_, task.env.repo_path, task.base_commit, "s" + std::to_string(index));
        if (!made) return std::move(made).error();
        return std::make_unique<sw::Workspace>(std::move(*made));
    };
    auto op = async::run_blocking(*pool_, std::move(make));
    auto workspace = co_await std::move(op);
    if (!workspace) {
        rec.set_status(run.node, store::NodeStatus::failed,
                       json_text(nlohmann::json{{"reason", workspace.error().describe()}}));
        run.error = std::move(workspace).error();
        co_return run;
    }
    workers::agent::AgentSpec spec;
    spec.node = run.node;
    spec.path = path;
    spec.account = services.ledger.open(scope.account, path);
    spec.request.model = services.model;
    spec.request.sampling.max_tokens = options_.max_tokens;
    spec.request.sampling.temperature = options_.temperature;
    spec.request.sampling.seed = workers::node_seed(services.run_seed, path);
    spec.request.sampling.stop = scope.kind->stop_strings();
    spec.limits.max_steps = options_.agent_steps;
    spec.limits.max_tokens = options_.thread_tokens;
    spec.write_reproduction_test = options_.repro_tests;
    // The agent's own registry (and pool), bound to its workspace; it outlives run_agent.
    auto tools = workers::tools::make_swe_tool_registry(**workspace, task.env, sandbox_);
    auto agent_op = workers::agent::run_agent(services, std::move(spec), *tools, scope.kind->prompt(*scope.task));
    auto result = co_await std::move(agent_op);
    if (result)
        run.result = std::move(*result);
    else
        run.error = std::move(result).error();
    co_return run;
}

asio::awaitable<TaskOutcome> SweStrategy::solve(workers::RunServices& services, TaskScope scope) {
    store::RunRecorder& rec = services.recorder;
    TaskOutcome outcome;
    outcome.metrics.max_depth = 1;
    if (scope.kind->name() != sw::kKind) {
        outcome.status = store::TaskStatus::failed;
        outcome.error = "strategy swe solves swe tasks only (this task is " + std::string(scope.kind->name()) + ")";
        co_return outcome;
    }
    auto parsed = sw::parse_swe_task(scope.task->input);
    if (!parsed) {
        outcome.status = store::TaskStatus::failed;
        outcome.error = parsed.error().describe();
        co_return outcome;
    }
    const sw::SweTask& task = *parsed;
    rec.event(scope.node, "sandbox", json_text(sandbox_.capabilities().to_json()));

    // 1. The suite at base.
    NodeId base_node =
        rec.create_node(scope.node, scope.path + "/base", store::NodeKind::verify, "tests at base");
    rec.set_status(base_node, store::NodeStatus::running);
    auto base = co_await base_run(task);
    if (!base) {
        rec.set_status(base_node, store::NodeStatus::failed,
                       json_text(nlohmann::json{{"reason", base.error().describe()}}));
        outcome.status = store::TaskStatus::failed;
        outcome.error = "the task's repository could not be tested at its base commit: " + base.error().describe();
        co_return outcome;
    }
    std::size_t base_passing = 0;
    for (const auto& [name, status] : base->statuses) base_passing += status == sw::TestStatus::passed;
    rec.set_status(
        base_node, store::NodeStatus::finished,
        json_text(nlohmann::json{
            {"tests", base->statuses.size()}, {"passing", base_passing}, {"ms", base->wall_ms}}));

    // 2. The agents.
    std::vector<asio::awaitable<AgentRun>> agents;
    for (int i = 0; i < options_.samples; ++i) agents.push_back(agent(services, scope, task, i));
    std::vector<AgentRun> runs = co_await async::when_all(std::move(agents));

    // 3. Submitted patches, split into fix and tests.
    verifiers::Shortfall shortfall;
    std::vector<NodeId> thread_nodes;
    std::vector<verifiers::SubmittedPatch> patches;
    PlanMetrics& m = outcome.metrics;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        AgentRun& run = runs[i];
        thread_nodes.push_back(run.node);
        if (run.error) {
            shortfall.note(*run.error);
            continue;
        }
        workers::agent::AgentResult& r = *run.result;
        rec.event(
            run.node, "agent_end",
            json_text(nlohmann::json{{"status", std::string(workers::agent::to_string(r.status))},
                                     {"reason", r.reason},
                                     {"tool_calls", r.tool_calls},
                                     {"steps", r.thread.calls.size()}}));
        ++m.threads;
        m.model_calls += static_cast<int>(r.thread.calls.size());
        m.total_tokens += r.thread.unique_tokens();
        m.critical_path_tokens = std::max(m.critical_path_tokens, r.thread.unique_tokens());
        if (r.status != workers::agent::AgentStatus::submitted) {
            // A model that ran out of steps or length, or kept writing malformed calls, fell short:
            // the task is unsolved (agent_end says why). Only a failed agent or the budget is more.
            if (r.thread.status == workers::ThreadStatus::budget_exhausted)
                shortfall.note_thread(workers::ThreadStatus::budget_exhausted, r.reason);
            else if (r.status == workers::agent::AgentStatus::failed)
                shortfall.note_thread(workers::ThreadStatus::failed, "agent failed: " + r.reason);
            continue;
        }
        sw::SplitPatch split = sw::split_test_files(r.patch);
        if (split.fix.empty()) {  // a submission that fixes nothing: unsolved
            rec.event(run.node, "no_fix",
                      json_text(nlohmann::json{{"reason", "no change outside test files"}}));
            continue;
        }
        std::string key = sw::normalize_patch(split.fix);
        rec.event(
            run.node, "patch",
            json_text(nlohmann::json{{"fix", split.fix}, {"tests", split.tests}, {"key", key}}));
        const std::string& context = r.thread.context.text;
        const std::string& prompt = r.thread.context.prompt;
        std::string trajectory = context.starts_with(prompt) ? context.substr(prompt.size()) : context;
        patches.push_back(verifiers::SubmittedPatch{run.node, scope.path + "/s" + std::to_string(i),
                                                    std::move(split.fix), std::move(split.tests), std::move(key),
                                                    r.thread.completion_tokens(), std::move(trajectory)});
    }

    // 4. Verifiers, then selection.
    const verifiers::VerdictRecorder verdicts = verdict_recorder(services, scope);
    verifiers::SweVerifyContext context{&task,       &base->statuses,         &sandbox_,    root_,
                                        pool_.get(), options_.judge_samples, scope.account};
    auto verify = verifiers::verify_patches(services, verdicts, context, std::move(patches));
    outcome.candidates = co_await std::move(verify);
    if (options_.selector) {
        auto selector = verifiers::run_selection_thread(services, verdicts, context, kRule, outcome.candidates);
        co_await std::move(selector);
    }
    verdicts.select({.rule = rule_,
                     .label = "swe",
                     .joined = thread_nodes,
                     .fallback = shortfall.fallback(outcome.candidates.size()),
                     .event = nlohmann::json{{"metrics", to_json(outcome.metrics)}}},
                    outcome);
    co_return outcome;
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_swe_strategy(std::string_view, const StrategyOptions& options) {
    auto root = sw::WorkspaceRoot::create();
    if (!root) return std::move(root).error();
    return std::unique_ptr<Strategy>(std::make_unique<SweStrategy>(options, std::move(*root)));
}

}  // namespace braid::planner
