#include "planner/llmcompiler/task_fetching_unit.hpp"

#include <algorithm>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "core/async.hpp"
#include "core/clock.hpp"
#include "core/json_text.hpp"

namespace braid::planner::llmcompiler {

// Shared with every running step's coroutine: a step may end after the unit is gone (a cancelled
// run), and its completion must still find the state it writes to.
struct TaskFetchingUnit::State {
    State(asio::any_io_executor ex, workers::tools::ToolRegistry& t, store::RunRecorder& r)
        : executor(ex), tools(t), recorder(r), wake(ex, asio::steady_timer::time_point::max()) {}

    asio::any_io_executor executor;
    workers::tools::ToolRegistry& tools;
    store::RunRecorder& recorder;
    asio::steady_timer wake;  // cancelled whenever a step ends: the "event" wait_idle waits on
    std::map<int, StepRun> runs;
    std::vector<int> waiting;  // submitted, dependencies not all ended
    int running = 0;
    // One per started step: cancelling the unit cancels its running tool calls.
    std::map<int, std::unique_ptr<asio::cancellation_signal>> signals;
    bool cancelled = false;
};

namespace {

using State = TaskFetchingUnit::State;

bool ready(const State& s, const PlanStep& step) {
    return std::all_of(step.deps.begin(), step.deps.end(), [&](int d) {
        auto it = s.runs.find(d);
        return it != s.runs.end() && it->second.done;
    });
}

std::map<int, std::string> observations_of(const State& s) {
    std::map<int, std::string> out;
    for (const auto& [id, run] : s.runs)
        if (run.done) out[id] = run.observation;
    return out;
}

double ms_between(std::chrono::steady_clock::time_point a,
                  std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

void start(const std::shared_ptr<State>& s, int id);

void on_ended(const std::shared_ptr<State>& s, int id, Result<std::string> result) {
    StepRun& run = s->runs.at(id);
    run.ended = std::chrono::steady_clock::now();
    run.ok = result.has_value();
    run.observation = result ? std::move(*result) : "Error: " + result.error().message;
    run.done = true;
    --s->running;
    s->signals.erase(id);
    nlohmann::json payload{{"id", id},
                           {"observation", run.observation},
                           {"ok", run.ok},
                           {"end_ms", now_ms()},
                           {"duration_ms", ms_between(run.started, run.ended)}};
    s->recorder.event(run.node, "tool_result", json_text(payload));
    s->recorder.set_status(run.node,
                           run.ok ? store::NodeStatus::finished : store::NodeStatus::failed);
    // Event-driven dispatch: the steps this one was the last dependency of start now.
    std::vector<int> now_ready;
    for (int w : s->waiting)
        if (ready(*s, s->runs.at(w).step)) now_ready.push_back(w);
    std::erase_if(s->waiting,
                  [&](int w) { return std::count(now_ready.begin(), now_ready.end(), w) > 0; });
    for (int r : now_ready) start(s, r);
    s->wake.cancel();
}

asio::awaitable<Result<std::string>> call_tool(std::shared_ptr<State> s, int id) {
    StepRun& run = s->runs.at(id);
    const workers::tools::Tool* tool = s->tools.find(run.step.tool);
    if (!tool)
        co_return make_error(ErrorCode::invalid_input, "unknown tool '" + run.step.tool + "'");
    auto op = tool->run(run.args, s->tools.pool());  // named: the GCC 12 coroutine trap
    Result<workers::tools::ToolOutput> result = co_await std::move(op);
    if (!result) co_return std::move(result).error();
    co_return std::move(result->observation);
}

void start(const std::shared_ptr<State>& s, int id) {
    StepRun& run = s->runs.at(id);
    run.args = substitute_args(run.step.args, observations_of(*s));
    run.started = std::chrono::steady_clock::now();
    ++s->running;
    s->recorder.set_status(run.node, store::NodeStatus::running);
    nlohmann::json payload{
        {"id", id}, {"tool", run.step.tool}, {"args", run.args}, {"start_ms", now_ms()}};
    if (!run.step.thought.empty()) payload["thought"] = run.step.thought;
    s->recorder.event(run.node, "tool_call", json_text(payload));
    auto& signal = s->signals[id];
    signal = std::make_unique<asio::cancellation_signal>();
    auto on_done = [s, id](std::exception_ptr error, Result<std::string> result) {
        // A cancelled tool may end by throwing (an aborted wait); any other throw is a bug in the
        // tool. Either way the step ends with an error observation.
        if (error)
            result = s->cancelled ? make_error(ErrorCode::cancelled, "cancelled")
                                  : make_error(ErrorCode::internal, "the tool threw an exception");
        on_ended(s, id, std::move(result));
    };
    asio::co_spawn(s->executor, call_tool(s, id),
                   asio::bind_cancellation_slot(signal->slot(), std::move(on_done)));
}

}  // namespace

nlohmann::json substitute_args(const nlohmann::json& args,
                               const std::map<int, std::string>& observations) {
    if (args.is_string()) return substitute_references(args.get<std::string>(), observations);
    if (args.is_array() || args.is_object()) {
        nlohmann::json out = args;
        for (auto& v : out) v = substitute_args(v, observations);
        return out;
    }
    return args;
}

TaskFetchingUnit::TaskFetchingUnit(asio::any_io_executor executor,
                                   workers::tools::ToolRegistry& tools,
                                   store::RunRecorder& recorder)
    : state_(std::make_shared<State>(executor, tools, recorder)) {}

void TaskFetchingUnit::submit(PlanStep step, NodeId parent, NodeId planner, std::string path) {
    State& s = *state_;
    BRAID_ASSERT(!step.is_join(), "join() runs no tool");
    BRAID_ASSERT(!s.runs.count(step.id), "the parser rejects repeated step ids");
    StepRun run;
    run.node = s.recorder.create_node(parent, std::move(path), store::NodeKind::tool, step.line());
    s.recorder.add_edge(planner, run.node, store::EdgeKind::depends);
    for (int d : step.deps) {
        auto it = s.runs.find(d);
        BRAID_ASSERT(it != s.runs.end(),
                     "the parser rejects references to steps not yet submitted");
        s.recorder.add_edge(it->second.node, run.node, store::EdgeKind::depends);
    }
    int id = step.id;
    run.step = std::move(step);
    bool now = ready(s, run.step);
    s.runs.emplace(id, std::move(run));
    if (now)
        start(state_, id);
    else
        s.waiting.push_back(id);
}

asio::awaitable<void> TaskFetchingUnit::wait_idle() {
    std::shared_ptr<State> s = state_;
    // Cancellation of the awaiting coroutine (now or while waiting) cancels the running tool
    // calls; we still wait until each has ended, so nothing outlives the unit's owner. Steps not
    // yet started never start.
    auto cancel_all = [&s] {
        s->cancelled = true;
        for (int w : s->waiting)
            s->recorder.set_status(s->runs.at(w).node, store::NodeStatus::cancelled);
        s->waiting.clear();
        for (auto& [id, signal] : s->signals) signal->emit(asio::cancellation_type::terminal);
    };
    co_await asio::this_coro::throw_if_cancelled(false);
    if (co_await async::cancelled()) cancel_all();
    while (s->running > 0) {
        auto [ec] = co_await s->wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (s->running > 0 && ec == asio::error::operation_aborted && !s->cancelled &&
            co_await async::cancelled())
            cancel_all();
    }
    BRAID_ASSERT(s->waiting.empty(), "a waiting step's dependencies are running or ended");
}

const std::map<int, StepRun>& TaskFetchingUnit::runs() const {
    return state_->runs;
}

std::map<int, std::string> TaskFetchingUnit::observations() const {
    return observations_of(*state_);
}

double TaskFetchingUnit::critical_path_ms() const {
    std::map<int, double> finish;  // longest chain ending at each step
    double longest = 0;
    for (const auto& [id, run] : state_->runs) {  // ascending ids: dependencies come first
        if (!run.done) continue;
        double before = 0;
        for (int d : run.step.deps)
            if (finish.count(d)) before = std::max(before, finish[d]);
        finish[id] = before + ms_between(run.started, run.ended);
        longest = std::max(longest, finish[id]);
    }
    return longest;
}

}  // namespace braid::planner::llmcompiler
