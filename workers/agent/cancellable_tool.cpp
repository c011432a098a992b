#include "workers/agent/cancellable_tool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <optional>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "core/async.hpp"
#include "tasks/env/cancel_pipe.hpp"

namespace braid::workers::agent {

namespace {

// Shared by the call and its watcher (either may finish first).
struct CallRun {
    explicit CallRun(asio::any_io_executor ex) : done(ex, asio::steady_timer::time_point::max()) {}
    tasks::env::CancelPipe cancel;
    asio::steady_timer done;  // cancelled when the call has ended
    bool ended = false;
    bool cancelled = false;
    std::optional<ToolOutcome> outcome;
};

ToolOutcome run_guarded(const AgentWorld& world, const AgentToolCall& call, int cancel_fd) {
    try {
        return run_tool(world, call, cancel_fd);
    } catch (const std::exception& e) {  // a tool's bug; the model sees it and the run goes on
        return ToolOutcome{false, "internal error in " + call.name + ": " + e.what(), false, {}};
    }
}

asio::awaitable<bool> work(std::shared_ptr<CallRun> run, AgentWorld world, AgentToolCall call) {
    int cancel_fd = run->cancel.read_fd();
    auto fn = [world, call = std::move(call), cancel_fd] { return run_guarded(world, call, cancel_fd); };
    auto op = async::run_blocking(*world.pool, std::move(fn));  // named: the GCC 12 coroutine trap
    run->outcome.emplace(co_await std::move(op));
    run->ended = true;
    run->done.cancel();
    co_return true;
}

asio::awaitable<bool> watch(std::shared_ptr<CallRun> run) {
    co_await run->done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (!run->ended) {
        run->cancelled = true;
        run->cancel.cancel();
    }
    co_return true;
}

}  // namespace

asio::awaitable<CancellableOutcome> run_tool_cancellable(AgentWorld world, AgentToolCall call) {
    auto run = std::make_shared<CallRun>(co_await asio::this_coro::executor);
    std::vector<asio::awaitable<bool>> both;
    both.push_back(work(run, world, std::move(call)));
    both.push_back(watch(run));
    auto all = async::when_all(std::move(both));
    co_await std::move(all);
    CancellableOutcome out;
    out.cancelled = run->cancelled;
    if (run->outcome)
        out.outcome = std::move(*run->outcome);
    else
        out.outcome.content = "cancelled before the call started";
    co_return out;
}

}  // namespace braid::workers::agent
