// BlockingTool::run (tool.hpp): the call on the pool, a watcher on the caller's executor that
// writes to the call's cancel pipe when cancellation arrives first.
#include "workers/tools/tool.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "core/async.hpp"
#include "tasks/env/cancel_pipe.hpp"

namespace braid::workers::tools {

namespace {

// Shared by the call and its watcher (either may finish first).
struct CallRun {
    explicit CallRun(asio::any_io_executor ex) : done(ex, asio::steady_timer::time_point::max()) {}
    tasks::env::CancelPipe cancel;
    asio::steady_timer done;  // cancelled when the call has ended
    bool ended = false;
    bool cancelled = false;  // cancellation arrived before the call ended
    std::optional<Result<ToolOutput>> result;
};

asio::awaitable<bool> work(std::shared_ptr<CallRun> run, std::function<Result<ToolOutput>(int)> fn,
                           asio::thread_pool& pool) {
    auto blocking = [fn = std::move(fn), cancel_fd = run->cancel.read_fd()] {
        return fn(cancel_fd);
    };
    auto op = async::run_blocking(pool, std::move(blocking));  // named: the GCC 12 coroutine trap
    run->result.emplace(co_await std::move(op));
    run->ended = true;
    run->done.cancel();
    co_return true;
}

// Ends when the call has; if cancelled first, writes to the cancel pipe so the call stops.
asio::awaitable<bool> watch(std::shared_ptr<CallRun> run) {
    co_await run->done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (!run->ended) {
        run->cancelled = true;
        run->cancel.cancel();
    }
    co_return true;
}

}  // namespace

asio::awaitable<Result<ToolOutput>> BlockingTool::run(nlohmann::json args,
                                                      asio::thread_pool& pool) const {
    auto run = std::make_shared<CallRun>(co_await asio::this_coro::executor);
    // `this` outlives the call: the registry joins its pool before it destroys its tools.
    std::function<Result<ToolOutput>(int)> fn = [this, args = std::move(args)](int cancel_fd) {
        try {
            return call(args, cancel_fd);
        } catch (const std::exception& e) {  // a tool's bug; the model sees it and the run goes on
            return Result<ToolOutput>(make_error(
                ErrorCode::internal, "internal error in " + std::string(name()) + ": " + e.what()));
        }
    };
    std::vector<asio::awaitable<bool>> both;
    both.push_back(work(run, std::move(fn), pool));
    both.push_back(watch(run));
    auto all = async::when_all(std::move(both));
    co_await std::move(all);
    if (!run->result)
        co_return make_error(ErrorCode::cancelled,
                             "cancelled before " + std::string(name()) + " started");
    Result<ToolOutput> result = std::move(*run->result);
    if (!run->cancelled || (!result && result.error().code == ErrorCode::cancelled))
        co_return result;
    co_return make_error(ErrorCode::cancelled,
                         result ? "cancelled while " + std::string(name()) + " ran"
                                : std::move(result).error().message);
}

}  // namespace braid::workers::tools
