#include "orchestrator/run_executor.hpp"

#include <chrono>
#include <cmath>
#include <exception>
#include <map>
#include <optional>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <nlohmann/json.hpp>

#include "backends/stored/stored_backend.hpp"
#include "core/async.hpp"
#include "core/clock.hpp"
#include "core/json_text.hpp"
#include "orchestrator/backend_factory.hpp"
#include "orchestrator/exit_codes.hpp"
#include "orchestrator/interruption.hpp"
#include "orchestrator/run_limit_stop.hpp"
#include "orchestrator/progress.hpp"
#include "orchestrator/run_parts.hpp"
#include "planner/strategy.hpp"
#include "store/run_recorder.hpp"

namespace braid::orchestrator {

namespace {

constexpr std::size_t blocking_pool_threads = 2;

struct TaskWork {
    tasks::Task task;
    const tasks::TaskKind* kind = nullptr;
};

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

// The final status of a task's node: failed, skipped when the budget stopped the task, else
// finished.
store::NodeStatus task_node_status(store::TaskStatus status) {
    switch (status) {
        case store::TaskStatus::failed:
            return store::NodeStatus::failed;
        case store::TaskStatus::budget_exhausted:
            return store::NodeStatus::skipped;
        case store::TaskStatus::solved:
        case store::TaskStatus::unsolved:
            return store::NodeStatus::finished;
    }
    return store::NodeStatus::finished;
}

// A finished task: its row in `tasks` (outcome, answer, selected candidate) and its node's final
// status (task_node_status), whose details are `details` plus outcome, answer and error. The
// caller flushes before counting the task as done.
void store_task_end(store::RunRecorder& recorder, NodeId task_node, const tasks::Task& task,
                    store::TaskStatus status, const std::string& answer, NodeId selected,
                    const std::string& error, nlohmann::json details) {
    store::TaskRecord record;
    record.run = recorder.run();
    record.task_id = task.id;
    record.kind = task.kind;
    record.input_json = json_text(task.input);
    record.outcome = status;
    record.answer = answer;
    record.selected_node = selected;
    recorder.store().put_task(record);
    details["outcome"] = std::string(store::to_string(status));
    details["answer"] = answer;
    details["error"] = error;
    recorder.set_status(task_node, task_node_status(status), json_text(details));
}

// A run's `spent` column: tokens, usd and samples, and flops and bytes when the run spent any.
std::string spent_json(const Amount& spent) {
    nlohmann::json j{{"tokens", spent[BudgetUnit::tokens]},
                     {"usd", spent[BudgetUnit::usd]},
                     {"samples", spent[BudgetUnit::samples]}};
    if (spent[BudgetUnit::flops] > 0) j["flops"] = spent[BudgetUnit::flops];
    if (spent[BudgetUnit::bytes] > 0) j["bytes"] = spent[BudgetUnit::bytes];
    return json_text(j);
}

// The strategy's outcome. An exception is caught into *error and ends the race all the same:
// first_of takes no winner from a child that throws and waits for the others, and the
// interruption's waiter would never end.
asio::awaitable<std::optional<planner::TaskOutcome>> solve_task(planner::Strategy* strategy,
                                                                workers::RunServices* services,
                                                                planner::TaskScope scope,
                                                                std::exception_ptr* error) {
    try {
        co_return co_await strategy->solve(*services, std::move(scope));
    } catch (...) {
        *error = std::current_exception();
    }
    co_return planner::TaskOutcome{};
}

asio::awaitable<std::optional<planner::TaskOutcome>> wait_until(std::chrono::steady_clock::time_point at) {
    asio::steady_timer timer(co_await asio::this_coro::executor, at);
    co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    co_return std::nullopt;
}

asio::awaitable<std::optional<planner::TaskOutcome>> wait_for(Interruption* interruption) {
    co_await interruption->wait();
    co_return std::nullopt;
}

asio::awaitable<std::optional<planner::TaskOutcome>> wait_for_limit(RunLimitStop* limits) {
    co_await limits->wait();
    co_return std::nullopt;
}

// What ends a run early: its wall-clock budget, a signal, one of its limits.
struct RunStops {
    Deadline deadline;
    Interruption* interruption = nullptr;
    RunLimitStop* limits = nullptr;

    // Why a task cannot start now; "" when it can (a signal is handled by the caller).
    std::string before_start() const {
        if (deadline && std::chrono::steady_clock::now() >= *deadline)
            return "wall-clock budget ran out before the task started";
        if (limits->tripped()) return limits->why() + " before the task started";
        return "";
    }
};

// Runs the strategy on one task. When the run's wall-clock budget ends or one of its limits
// trips first, the strategy is cancelled (its threads stop at once) and keeps what finished in
// time; a task left without a correct answer that way counts as stopped by the budget. When a
// signal interrupts the run first, the strategy is cancelled the same way and the result is
// nullopt: the task is not done.
asio::awaitable<std::optional<planner::TaskOutcome>> solve_within(planner::Strategy* strategy,
                                                                  workers::RunServices* services,
                                                                  planner::TaskScope scope, RunStops stops) {
    enum Racer : std::size_t { solver, interrupt, limit, clock };
    std::exception_ptr solver_error;
    std::vector<asio::awaitable<std::optional<planner::TaskOutcome>>> racers;
    racers.push_back(solve_task(strategy, services, std::move(scope), &solver_error));
    racers.push_back(wait_for(stops.interruption));
    racers.push_back(wait_for_limit(stops.limits));
    if (stops.deadline) racers.push_back(wait_until(*stops.deadline));
    auto raced = co_await async::first_of(std::move(racers), [](const auto&) { return true; });
    // A strategy cancelled by the interruption may end by throwing operation_aborted: expected.
    if (raced.winner == interrupt || stops.interruption->happened()) co_return std::nullopt;
    const bool stopped_early = raced.winner == clock || raced.winner == limit;
    const std::string why = raced.winner == limit ? stops.limits->why() : "wall-clock budget ran out";
    if (solver_error) {
        // Cancelled by the wall clock or a limit, a strategy may end by throwing
        // operation_aborted too.
        if (!stopped_early) std::rethrow_exception(solver_error);
        planner::TaskOutcome stopped;
        stopped.status = store::TaskStatus::budget_exhausted;
        stopped.error = why;
        co_return stopped;
    }
    planner::TaskOutcome outcome = std::move(**raced.values[solver]);
    if (stopped_early && outcome.status != store::TaskStatus::solved) {
        outcome.status = store::TaskStatus::budget_exhausted;
        outcome.error = why;
    }
    co_return outcome;
}

// Solves tasks[next..] one at a time until none is left; `parallel_tasks` of these run at once.
asio::awaitable<int> solve_queue(workers::RunServices* services, planner::Strategy* strategy,
                                 std::vector<TaskWork>* work, std::size_t* next, NodeId root,
                                 std::vector<TaskResult>* results, Progress* progress, RunStops stops) {
    store::RunRecorder& rec = services->recorder;
    while (*next < work->size() && !stops.interruption->happened()) {
        std::size_t i = (*next)++;
        const TaskWork& w = (*work)[i];
        std::string path = "t/" + w.task.id;
        planner::TaskScope scope;
        scope.task = &w.task;
        scope.kind = w.kind;
        scope.path = path;
        scope.node = rec.create_node(root, path, store::NodeKind::task, w.task.id);
        scope.account = services->ledger.open(services->ledger.root(), path);
        planner::TaskOutcome outcome;
        if (std::string why = stops.before_start(); !why.empty()) {
            outcome.status = store::TaskStatus::budget_exhausted;
            outcome.error = std::move(why);
        } else {
            rec.set_status(scope.node, store::NodeStatus::running);
            const auto started = std::chrono::steady_clock::now();
            auto solved = co_await solve_within(strategy, services, scope, stops);
            if (!solved) {  // interrupted: the task stays pending, for resume
                rec.set_status(scope.node, store::NodeStatus::cancelled,
                               json_text(nlohmann::json{{"reason", "interrupted by a signal"}}));
                break;
            }
            outcome = std::move(*solved);
            outcome.metrics.wall_ms =
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        }

        TaskResult result;
        result.id = w.task.id;
        result.status = outcome.status;
        result.candidates = outcome.candidates.size();
        result.error = outcome.error;
        result.metrics = outcome.metrics;
        NodeId selected;
        if (outcome.selection.index) {
            result.answer = outcome.candidates[*outcome.selection.index].normalized;
            selected = outcome.candidates[*outcome.selection.index].node;
        }
        store_task_end(rec, scope.node, w.task, outcome.status, result.answer, selected, result.error,
                       nlohmann::json{{"metrics", planner::to_json(result.metrics)}, {"candidates", result.candidates}});
        co_await rec.flush();  // the outcome is durable before the task counts as done
        services->log.info("task %s finished: %s", result.id.c_str(),
                           std::string(store::to_string(outcome.status)).c_str());
        if (progress) progress->task_done(outcome.status);
        results->push_back(std::move(result));
    }
    co_return 0;
}

Amount budget_limit(const RunConfig& config) {
    if (config.budget.empty()) return Amount::unlimited();
    auto limit = parse_budget(config.budget);
    if (!limit) throw FatalError(std::move(limit).error());
    return *limit;
}

// On resume, what the already finished tasks spent still counts against the run's budget.
void charge_finished_tasks(store::Store& store, RunId run, const std::vector<TaskResult>& done, Ledger& ledger) {
    if (done.empty()) return;
    std::vector<std::string> prefixes;
    for (const TaskResult& t : done) prefixes.push_back("t/" + t.id + "/");
    Amount spent;
    for (const store::NodeRecord& n : store.nodes(run)) {
        if (n.usage.total_tokens() == 0) continue;
        for (const std::string& prefix : prefixes) {
            if (n.path.compare(0, prefix.size(), prefix) != 0) continue;
            spent[BudgetUnit::tokens] += static_cast<double>(n.usage.total_tokens());
            spent[BudgetUnit::usd] += n.cost_usd;
            spent[BudgetUnit::samples] += 1;
            break;
        }
    }
    ledger.charge(ledger.root(), spent);
}

TaskResult stored_result(const store::TaskRecord& t) {
    TaskResult r;
    r.id = t.task_id;
    r.status = t.outcome;
    r.answer = t.answer;
    return r;
}

// A solve run's parts: the configured backend behind the store, and the planner strategy.
RunParts strategy_parts(const RunConfig& config, RunResources& resources) {
    RunParts parts;
    auto backend = make_recorded_backend(config, resources.executor, resources.store, resources.pool);
    if (!backend) throw FatalError(std::move(backend).error());
    parts.backend = std::move(backend->model);
    parts.stored = std::move(backend->stored);
    parts.stored_backends.push_back(parts.stored.get());
    auto strategy = planner::make_strategy(config.strategy, config.strategy_options);
    if (!strategy) throw FatalError(std::move(strategy).error());
    parts.strategy = std::move(*strategy);
    auto prices = price_table(config);
    if (!prices) throw FatalError(std::move(prices).error());
    parts.services = std::make_unique<workers::RunServices>(workers::RunServices{
        resources.recorder, *parts.stored, resources.ledger, resources.log, config.seed, config.model,
        std::move(*prices)});
    return parts;
}

}  // namespace

std::size_t RunSummary::count(store::TaskStatus s) const {
    std::size_t n = 0;
    for (const TaskResult& t : tasks) n += t.status == s;
    return n;
}

int RunSummary::exit_code() const {
    if (status == store::RunStatus::interrupted) return exit_interrupted_base + interrupted_by;
    if (count(store::TaskStatus::failed) > 0) return exit_infra_failure;
    if (count(store::TaskStatus::budget_exhausted) > 0 ||
        status == store::RunStatus::budget_exhausted)
        return exit_budget_exhausted;
    if (count(store::TaskStatus::solved) < tasks.size()) return exit_unsolved;
    return exit_ok;
}

RunId create_run(store::Store& store, const RunConfig& config, const std::string& command_line,
                 const std::vector<tasks::Task>& tasks) {
    store::RunRecord record;
    record.started_ms = now_ms();
    record.command = command_line;
    record.config_json = json_text(to_json(config));
    record.status = store::RunStatus::running;
    record.seed = static_cast<std::int64_t>(config.seed);
    record.budget_json = json_text(nlohmann::json{{"limit", config.budget}});
    const RunId run = store.create_run(record);
    for (const tasks::Task& t : tasks) {
        store::TaskRecord task;
        task.run = run;
        task.task_id = t.id;
        task.kind = t.kind;
        task.input_json = json_text(t.input);
        store.put_task(task);
    }
    store.flush_sync();
    return run;
}

RunSummary execute_run(store::Store& store, RunId run, const RunConfig& config, const Logger& log,
                       ExecuteOptions options) {
    auto started = std::chrono::steady_clock::now();
    asio::io_context io;

    // Tasks come from the store: what was accepted at `solve` time is what a resume finishes.
    store.flush_sync();  // the caller's enqueued task rows are committed before we read them
    std::vector<TaskWork> work;
    std::vector<TaskResult> results;
    for (store::TaskRecord& t : store.tasks(run)) {
        if (t.outcome) {
            results.push_back(stored_result(t));
            continue;
        }
        TaskWork w;
        w.task.id = t.task_id;
        w.task.kind = t.kind;
        w.task.input = nlohmann::json::parse(t.input_json);
        w.kind = tasks::find_task_kind(t.kind);
        if (w.kind == nullptr)
            throw FatalError(make_error(ErrorCode::invalid_input, "stored task " + t.task_id + " has unknown kind " + t.kind));
        work.push_back(std::move(w));
    }

    asio::thread_pool pool(blocking_pool_threads);
    Ledger ledger(budget_limit(config));
    charge_finished_tasks(store, run, results, ledger);
    store::RunRecorder recorder(store, run);
    Logger run_log = log.for_run(run);
    RunResources resources{io.get_executor(), store, pool, recorder, ledger, run_log};
    RunParts parts = config.strategy == "pipeline" ? pipeline_parts(config, resources, work.size())
                                                   : strategy_parts(config, resources);

    NodeId root = recorder.create_node(NodeId{0}, "run", store::NodeKind::run, config.strategy);
    recorder.set_status(root, store::NodeStatus::running);
    recorder.event(
        root, "run_executing",
        json_text(nlohmann::json{{"pending_tasks", work.size()}, {"done_tasks", results.size()}}));

    Progress progress(io, work.size() + results.size(), results.size(), options.show_progress, &ledger);
    Deadline deadline;
    if (double wall_s = ledger.limit(ledger.root())[BudgetUnit::wall_s]; std::isfinite(wall_s))
        deadline = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(wall_s));
    std::size_t next = 0;
    Interruption interruption(io);
    RunLimitStop limits(io);
    store::RecorderLimits recorder_limits;
    recorder_limits.max_nodes = static_cast<std::size_t>(config.max_nodes);
    recorder_limits.max_stored_bytes = static_cast<std::uint64_t>(config.max_stored_mb) << 20;
    recorder.set_limits(recorder_limits, [&limits](std::string why) { limits.trip(std::move(why)); });
    const RunStops stops{deadline, &interruption, &limits};
    auto main = [&]() -> asio::awaitable<void> {
        // However main ends (a store failure throws), the signal set must stop waiting, or the
        // io_context never runs dry.
        const InterruptionCloser closer{interruption};
        progress.start();
        std::vector<asio::awaitable<int>> queues;
        std::size_t lanes = std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(config.parallel_tasks), work.size()));
        for (std::size_t i = 0; i < lanes; ++i)
            queues.push_back(solve_queue(parts.services.get(), parts.strategy.get(), &work, &next, root, &results,
                                         &progress, stops));
        co_await async::when_all(std::move(queues));
        progress.stop();
    };
    async::run_sync(io, main());
    pool.join();

    RunSummary summary = summarize_stored_run(store, run);
    // Plan metrics and error messages are known for the tasks this execution solved (the store
    // keeps them only in each task node's status event).
    std::map<std::string, const TaskResult*> live;
    for (const TaskResult& r : results) live[r.id] = &r;
    for (TaskResult& t : summary.tasks) {
        auto it = live.find(t.id);
        if (it == live.end()) continue;
        t.metrics = it->second->metrics;
        if (t.error.empty()) t.error = it->second->error;
    }
    for (const backends::StoredBackend* stored : parts.stored_backends) {
        summary.model_calls += stored->misses();
        summary.stored_completions += stored->hits();
    }
    summary.spent = ledger.spent(ledger.root());
    summary.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    summary.status = interruption.happened() ? store::RunStatus::interrupted
                     : summary.count(store::TaskStatus::budget_exhausted) > 0
                         ? store::RunStatus::budget_exhausted
                         : store::RunStatus::finished;
    summary.interrupted_by = interruption.signal();
    recorder.set_status(
        root, interruption.happened() ? store::NodeStatus::cancelled : store::NodeStatus::finished,
        json_text(nlohmann::json{{"status", std::string(store::to_string(summary.status))},
                                 {"signal", summary.interrupted_by}}));

    auto record = store.run(run);
    BRAID_ASSERT(record.has_value(), "executing run exists");
    record->status = summary.status;
    record->finished_ms = now_ms();
    record->spent_json = spent_json(summary.spent);
    store.update_run(*record);
    store.flush_sync();
    return summary;
}

store::RunRecord load_run(store::Store& store, std::int64_t run_id) {
    auto record = store.run(RunId{run_id});
    if (!record)
        throw FatalError(make_error(ErrorCode::not_found,
                                    "run " + std::to_string(run_id) + " is not in " + store.path()));
    return std::move(*record);
}

RunSummary summarize_stored_run(store::Store& store, RunId run) {
    RunSummary summary;
    summary.run = run;
    auto record = store.run(run);
    if (record) summary.status = record->status;
    for (const store::TaskRecord& t : store.tasks(run)) summary.tasks.push_back(stored_result(t));
    std::map<std::string, std::size_t> candidates;
    for (const store::CandidateRecord& c : store.candidates(run)) ++candidates[c.task];
    for (TaskResult& t : summary.tasks) t.candidates = candidates[t.id];
    for (const store::NodeRecord& n : store.nodes(run)) {
        summary.usage += n.usage;
        summary.cost_usd += n.cost_usd;
    }
    return summary;
}

}  // namespace braid::orchestrator
