#pragma once
// Async helpers on standalone Asio coroutines. All of them run on the caller's executor (one
// io_context drives a run), so their shared state needs no locks.
//
//   when_all(children)          launch every child concurrently, await all, results in order.
//   first_of(children, accept)  await the first child whose value `accept`s, cancel the rest and
//                               wait until every loser has really stopped before returning.
//   with_timeout(op, duration)  race an operation against a timer; the loser is cancelled.
//   run_blocking(pool, fn)      run blocking work on a thread pool and resume on the caller.
//   run_sync(io, op)            drive an io_context until `op` completes (tests, main).
//
// Cancellation: when the awaiting coroutine is cancelled (its cancellation slot fires), the
// cancellation is forwarded to every running child; the helper still waits for all children to
// finish, so nothing they hold outlives the call. A child sees cancellation as an aborted async
// operation (asio::error::operation_aborted) or through this_coro::cancellation_state.
//
// GCC 12 caveat (applies to every coroutine in braid): a lambda *with captures* must not appear in
// the same full-expression as a co_await — GCC 12 destroys it twice. Name it first, then await.

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>

#include "core/error.hpp"

namespace braid::async {

template <class T>
using Task = asio::awaitable<T>;

namespace detail {

// State shared by a fan-out's children and the coroutine awaiting them. Owned jointly (shared_ptr)
// because children's completion handlers may run after the awaiting frame has been torn down.
template <class T>
struct FanOut {
    FanOut(asio::any_io_executor ex, std::size_t n)
        : wake(ex, asio::steady_timer::time_point::max()),
          signals(std::make_unique<asio::cancellation_signal[]>(n)),
          values(n),
          errors(n),
          remaining(n) {}

    void cancel_running(std::size_t except = static_cast<std::size_t>(-1)) {
        for (std::size_t i = 0; i < values.size(); ++i)
            if (i != except && !finished(i)) signals[i].emit(asio::cancellation_type::terminal);
    }
    bool finished(std::size_t i) const { return values[i].has_value() || errors[i] != nullptr; }

    asio::steady_timer wake;  // "event": cancelled when the last child finishes
    std::unique_ptr<asio::cancellation_signal[]> signals;
    std::vector<std::optional<T>> values;
    std::vector<std::exception_ptr> errors;
    std::size_t remaining;
    std::optional<std::size_t> winner;
    bool cancel_forwarded = false;
};

// Waits until every child of `state` has finished. If the awaiting coroutine is cancelled while
// waiting, forwards the cancellation to the running children and keeps waiting for them.
template <class T>
asio::awaitable<bool> await_children(std::shared_ptr<FanOut<T>> state) {
    bool cancelled = false;
    while (state->remaining > 0) {
        auto [ec] = co_await state->wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (state->remaining > 0 && ec == asio::error::operation_aborted && !state->cancel_forwarded) {
            state->cancel_forwarded = true;
            cancelled = true;
            state->cancel_running();
            co_await asio::this_coro::reset_cancellation_state();
        }
    }
    co_return cancelled;
}

template <class T, class OnDone>
void launch(const std::shared_ptr<FanOut<T>>& state, std::vector<asio::awaitable<T>>& children,
            asio::any_io_executor ex, OnDone on_done) {
    for (std::size_t i = 0; i < children.size(); ++i) {
        asio::co_spawn(ex, std::move(children[i]),
                       asio::bind_cancellation_slot(
                           state->signals[i].slot(),
                           [state, i, on_done](std::exception_ptr error, T value) {
                               if (error)
                                   state->errors[i] = error;
                               else
                                   state->values[i].emplace(std::move(value));
                               on_done(*state, i);
                               if (--state->remaining == 0) state->wake.cancel();
                           }));
    }
}

}  // namespace detail

// Runs every child concurrently on the current executor and returns their values in order.
// If any child threw, rethrows the first exception (by index) once all children have finished.
template <class T>
asio::awaitable<std::vector<T>> when_all(std::vector<asio::awaitable<T>> children) {
    auto ex = co_await asio::this_coro::executor;
    auto state = std::make_shared<detail::FanOut<T>>(ex, children.size());
    detail::launch(state, children, ex, [](detail::FanOut<T>&, std::size_t) {});
    co_await detail::await_children(state);
    std::vector<T> out;
    out.reserve(state->values.size());
    for (std::size_t i = 0; i < state->values.size(); ++i) {
        if (state->errors[i]) std::rethrow_exception(state->errors[i]);
        out.push_back(std::move(*state->values[i]));
    }
    co_return out;
}

template <class T>
struct FirstOutcome {
    std::optional<std::size_t> winner;         // index of the accepted child, if any
    std::vector<std::optional<T>> values;      // every value that was produced, winner included
    std::vector<std::exception_ptr> errors;    // children that threw (cancelled losers included)
};

// Runs every child concurrently; the first to produce a value for which `accept(value)` holds
// wins, and every other running child is cancelled. Returns only after all children have ended.
template <class T, class Accept>
asio::awaitable<FirstOutcome<T>> first_of(std::vector<asio::awaitable<T>> children, Accept accept) {
    auto ex = co_await asio::this_coro::executor;
    auto state = std::make_shared<detail::FanOut<T>>(ex, children.size());
    detail::launch(state, children, ex, [accept](detail::FanOut<T>& s, std::size_t i) {
        if (s.winner || !s.values[i] || !accept(*s.values[i])) return;
        s.winner = i;
        s.cancel_running(i);
    });
    co_await detail::await_children(state);
    co_return FirstOutcome<T>{state->winner, std::move(state->values), std::move(state->errors)};
}

// Races `op` against a timer of `timeout`. On timeout, `op` is cancelled (and awaited until it
// has stopped) and the result is an ErrorCode::timeout error.
template <class T, class Rep, class Period>
asio::awaitable<Result<T>> with_timeout(asio::awaitable<T> op, std::chrono::duration<Rep, Period> timeout) {
    auto ex = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(ex, timeout);
    std::vector<asio::awaitable<std::optional<T>>> racers;
    racers.push_back([](asio::awaitable<T> work) -> asio::awaitable<std::optional<T>> {
        co_return std::optional<T>(co_await std::move(work));
    }(std::move(op)));
    racers.push_back([](std::shared_ptr<asio::steady_timer> t) -> asio::awaitable<std::optional<T>> {
        co_await t->async_wait(asio::use_awaitable);
        co_return std::nullopt;
    }(timer));
    auto outcome = co_await first_of(std::move(racers), [](const std::optional<T>&) { return true; });
    if (outcome.winner == 0u) co_return std::move(**outcome.values[0]);
    if (outcome.errors[0] && !outcome.winner) std::rethrow_exception(outcome.errors[0]);
    co_return make_error(ErrorCode::timeout, "operation timed out", true);
}

// Runs `fn` on `pool` and resumes the caller on its own executor with fn's result.
template <class Fn>
auto run_blocking(asio::thread_pool& pool, Fn fn) -> asio::awaitable<decltype(fn())> {
    using R = decltype(fn());
    // The spawned lambda is a named local: GCC 12 destroys temporaries of a co_await
    // full-expression twice, so no non-trivial temporary may live inside one.
    auto work = [fn = std::move(fn)]() mutable -> asio::awaitable<R> { co_return fn(); };
    auto spawned = asio::co_spawn(pool, std::move(work), asio::use_awaitable);
    R result = co_await std::move(spawned);
    co_return result;
}

// Drives `io` until `op` completes and returns its value (rethrowing its exception).
template <class T>
T run_sync(asio::io_context& io, asio::awaitable<T> op) {
    std::optional<T> out;
    std::exception_ptr error;
    asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e) out.emplace(std::move(value));
    });
    io.restart();
    io.run();
    if (error) std::rethrow_exception(error);
    BRAID_ASSERT(out.has_value(), "run_sync: io_context stopped before the operation completed");
    return std::move(*out);
}

inline void run_sync(asio::io_context& io, asio::awaitable<void> op) {
    std::exception_ptr error;
    bool done = false;
    asio::co_spawn(io, std::move(op), [&](std::exception_ptr e) {
        error = e;
        done = true;
    });
    io.restart();
    io.run();
    if (error) std::rethrow_exception(error);
    BRAID_ASSERT(done, "run_sync: io_context stopped before the operation completed");
}

// True when the current coroutine has been asked to stop.
inline asio::awaitable<bool> cancelled() {
    auto state = co_await asio::this_coro::cancellation_state;
    co_return state.cancelled() != asio::cancellation_type::none;
}

}  // namespace braid::async
