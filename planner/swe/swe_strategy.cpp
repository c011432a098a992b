// Strategy `swe` (issue 6): N agent threads per task, each in a workspace of its own at the task's
// base commit; their submitted patches become candidates.
//
//   1. The repository's own suite runs once at base ("<task>/base"): the regression baseline, and
//      the check that the repository and commit exist (a bad task fails here, alone).
//   2. `--samples` agents run concurrently (workers/agent), "<task>/s<k>".
//   3. A submitted patch is split into its fix and the tests the agent wrote; the fix is the
//      candidate. Selection sees only visible evidence: the regression verifier (the suite with the
//      patch, once per distinct normalized patch, "<task>/verify/r<k>"), then majority over the
//      normalized patches (rule majority-of-best:regression).
//   4. Grading with the hidden tests (the task kind's checker: evaluate_patch) is recorded as each
//      candidate's "checker" verdict; it decides solved/unsolved and never the selection.
#include <algorithm>
#include <map>
#include <memory>

#include <asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "core/async.hpp"
#include "planner/strategies.hpp"
#include "planner/task_outcome.hpp"
#include "store/store.hpp"
#include "tasks/swe/grading.hpp"
#include "tasks/swe/swe_kind.hpp"
#include "verifiers/regression_check.hpp"
#include "workers/agent/agent.hpp"

namespace braid::planner {

namespace {

namespace swe = tasks::swe;

constexpr std::string_view kRule = "majority-of-best:regression";
constexpr std::size_t kPoolThreads = 4;  // blocking work is mostly waiting on child processes

struct AgentRun {
    NodeId node;
    std::optional<workers::agent::AgentResult> result;
    std::optional<Error> error;
};

class SweStrategy final : public Strategy {
public:
    SweStrategy(StrategyOptions options, std::shared_ptr<swe::WorkspaceRoot> root)
        : options_(std::move(options)),
          sandbox_(tasks::env::probe_sandbox()),
          root_(std::move(root)),
          pool_(std::make_unique<asio::thread_pool>(kPoolThreads)) {}
    ~SweStrategy() override { pool_->join(); }

    std::string_view name() const override { return "swe"; }
    std::string_view selection_rule() const override { return kRule; }
    asio::awaitable<TaskOutcome> solve(workers::RunServices& services, TaskScope scope) override;

private:
    asio::awaitable<Result<swe::TestRun>> base_run(const swe::SweTask& task);
    asio::awaitable<AgentRun> agent(workers::RunServices& services, const TaskScope& scope, const swe::SweTask& task,
                                    int index);

    StrategyOptions options_;
    tasks::env::Sandbox sandbox_;
    std::shared_ptr<swe::WorkspaceRoot> root_;
    std::unique_ptr<asio::thread_pool> pool_;
};

asio::awaitable<Result<swe::TestRun>> SweStrategy::base_run(const swe::SweTask& task) {
    auto work = [this, &task]() -> Result<swe::TestRun> {
        auto workspace = swe::Workspace::create(root_, task.env.repo_path, task.base_commit, "base");
        if (!workspace) return std::move(workspace).error();
        return swe::run_tests(*workspace, task.env, {}, sandbox_);
    };
    auto op = async::run_blocking(*pool_, std::move(work));
    co_return co_await std::move(op);
}

asio::awaitable<AgentRun> SweStrategy::agent(workers::RunServices& services, const TaskScope& scope,
                                             const swe::SweTask& task, int index) {
    store::RunRecorder& rec = services.recorder;
    const std::string path = scope.path + "/s" + std::to_string(index);
    AgentRun run;
    run.node = rec.create_node(scope.node, path, "thread", "agent " + std::to_string(index));
    // A unique_ptr: co_spawn needs a default-constructible result.
    auto make = [this, &task, index]() -> Result<std::unique_ptr<swe::Workspace>> {
        auto made = swe::Workspace::create(root_, task.env.repo_path, task.base_commit, "s" + std::to_string(index));
        if (!made) return std::move(made).error();
        return std::make_unique<swe::Workspace>(std::move(*made));
    };
    auto op = async::run_blocking(*pool_, std::move(make));
    auto workspace = co_await std::move(op);
    if (!workspace) {
        rec.set_status(run.node, "failed", nlohmann::json{{"reason", workspace.error().describe()}}.dump());
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
    workers::agent::AgentWorld world;
    world.workspace = workspace->get();
    world.env = &task.env;
    world.sandbox = &sandbox_;
    world.pool = pool_.get();
    auto agent_op = workers::agent::run_agent(services, std::move(spec), world, scope.kind->prompt(*scope.task));
    auto result = co_await std::move(agent_op);
    if (result)
        run.result = std::move(*result);
    else
        run.error = std::move(result).error();
    co_return run;
}

// One distinct fix and what the checks found for it.
struct Cluster {
    std::string patch;  // the first candidate's fix
    std::optional<Result<verifiers::RegressionVerdict>> regression;
};

asio::awaitable<TaskOutcome> SweStrategy::solve(workers::RunServices& services, TaskScope scope) {
    store::RunRecorder& rec = services.recorder;
    TaskOutcome outcome;
    outcome.metrics.max_depth = 1;
    if (scope.kind->name() != swe::kKind) {
        outcome.status = TaskStatus::failed;
        outcome.error = "strategy swe solves swe tasks only (this task is " + std::string(scope.kind->name()) + ")";
        co_return outcome;
    }
    auto parsed = swe::parse_swe_task(scope.task->input);
    if (!parsed) {
        outcome.status = TaskStatus::failed;
        outcome.error = parsed.error().describe();
        co_return outcome;
    }
    const swe::SweTask& task = *parsed;
    rec.event(scope.node, "sandbox", sandbox_.capabilities().to_json().dump());

    // 1. The suite at base.
    NodeId base_node = rec.create_node(scope.node, scope.path + "/base", "verify", "tests at base");
    rec.set_status(base_node, "running");
    auto base = co_await base_run(task);
    if (!base) {
        rec.set_status(base_node, "failed", nlohmann::json{{"reason", base.error().describe()}}.dump());
        outcome.status = TaskStatus::failed;
        outcome.error = "the task's repository could not be tested at its base commit: " + base.error().describe();
        co_return outcome;
    }
    std::size_t base_passing = 0;
    for (const auto& [name, status] : base->statuses) base_passing += status == swe::TestStatus::passed;
    rec.set_status(base_node, "finished",
                   nlohmann::json{{"tests", base->statuses.size()}, {"passing", base_passing}, {"ms", base->wall_ms}}.dump());

    // 2. The agents.
    std::vector<asio::awaitable<AgentRun>> agents;
    for (int i = 0; i < options_.samples; ++i) agents.push_back(agent(services, scope, task, i));
    std::vector<AgentRun> runs = co_await async::when_all(std::move(agents));

    // 3. Candidates and the regression check per distinct fix.
    Shortfall shortfall;
    std::vector<NodeId> thread_nodes;
    struct Pending {
        NodeId node;
        std::string fix;
        std::string key;
        std::int64_t tokens = 0;
    };
    std::vector<Pending> pending;
    std::map<std::string, Cluster> clusters;
    PlanMetrics& m = outcome.metrics;
    for (AgentRun& run : runs) {
        thread_nodes.push_back(run.node);
        if (run.error) {
            shortfall.note(*run.error);
            continue;
        }
        workers::agent::AgentResult& r = *run.result;
        rec.event(run.node, "agent_end",
                  nlohmann::json{{"status", r.status}, {"reason", r.reason}, {"tool_calls", r.tool_calls},
                                 {"steps", r.thread.calls.size()}}
                      .dump());
        ++m.threads;
        m.model_calls += static_cast<int>(r.thread.calls.size());
        m.total_tokens += r.thread.unique_tokens();
        m.critical_path_tokens = std::max(m.critical_path_tokens, r.thread.unique_tokens());
        if (r.status != "submitted") {
            shortfall.note_thread(r.thread.status == "budget_exhausted" ? "budget_exhausted" : "failed",
                                  "agent " + r.status + ": " + r.reason);
            continue;
        }
        swe::SplitPatch split = swe::split_test_files(r.patch);
        if (split.fix.empty()) {
            shortfall.note_thread("failed", "agent submitted no change outside test files");
            continue;
        }
        std::string key = swe::normalize_patch(split.fix);
        rec.event(run.node, "patch", nlohmann::json{{"fix", split.fix}, {"tests", split.tests}, {"key", key}}.dump());
        clusters.try_emplace(key, Cluster{split.fix, std::nullopt});
        pending.push_back(Pending{run.node, std::move(split.fix), std::move(key), r.thread.completion_tokens()});
    }

    // Regression checks (visible) and grades (hidden), all on the pool at once.
    std::vector<std::string> keys;
    std::vector<asio::awaitable<Result<verifiers::RegressionVerdict>>> checks;
    for (auto& [key, cluster] : clusters) {
        keys.push_back(key);
        const std::string* patch = &cluster.patch;
        auto work = [this, &task, patch, &base] {
            return verifiers::check_regressions(task, *patch, base->statuses, sandbox_, root_);
        };
        checks.push_back(async::run_blocking(*pool_, std::move(work)));
    }
    std::vector<asio::awaitable<tasks::Grade>> grades;
    for (const Pending& p : pending) {
        const std::string* fix = &p.fix;
        auto work = [&scope, fix] { return scope.kind->grade(*scope.task, *fix); };
        grades.push_back(async::run_blocking(*pool_, std::move(work)));
    }
    auto checked = co_await async::when_all(std::move(checks));
    auto graded = co_await async::when_all(std::move(grades));
    for (std::size_t k = 0; k < keys.size(); ++k) {
        NodeId v = rec.create_node(scope.node, scope.path + "/verify/r" + std::to_string(k), "verify",
                                   "regression " + std::to_string(k));
        if (checked[k])
            rec.set_status(v, "finished", checked[k]->details().dump());
        else
            rec.set_status(v, "failed", nlohmann::json{{"reason", checked[k].error().describe()}}.dump());
        clusters[keys[k]].regression = std::move(checked[k]);
    }
    for (std::size_t i = 0; i < pending.size(); ++i) {
        Pending& p = pending[i];
        verifiers::Candidate c =
            record_graded_candidate(services, scope, p.node, std::move(p.fix), p.tokens, graded[i]);
        const auto& regression = clusters[p.key].regression;
        if (regression && *regression && (*regression)->applied) {
            double score = (*regression)->score();
            c.scores[std::string(verifiers::regression_verifier)] = score;
            rec.store().put_verdict(store::VerdictRecord{rec.run(), c.node, scope.task->id,
                                                         std::string(verifiers::regression_verifier), score, 0.0,
                                                         (*regression)->details().dump()});
        }
        outcome.candidates.push_back(std::move(c));
    }
    select_outcome(services, scope, kRule, "swe", thread_nodes, shortfall, outcome);
    co_return outcome;
}

}  // namespace

Result<std::unique_ptr<Strategy>> make_swe_strategy(std::string_view, const StrategyOptions& options) {
    auto root = swe::WorkspaceRoot::create();
    if (!root) return std::move(root).error();
    return std::unique_ptr<Strategy>(std::make_unique<SweStrategy>(options, std::move(*root)));
}

}  // namespace braid::planner
