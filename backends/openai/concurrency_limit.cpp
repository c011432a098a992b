#include "backends/openai/concurrency_limit.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "core/assert.hpp"

namespace braid::backends::openai {

ConcurrencyLimit::Permit& ConcurrencyLimit::Permit::operator=(Permit&& other) noexcept {
    if (this != &other) {
        release();
        owner_ = other.owner_;
        other.owner_ = nullptr;
    }
    return *this;
}

void ConcurrencyLimit::Permit::release() {
    if (owner_ == nullptr) return;
    ConcurrencyLimit* owner = owner_;
    owner_ = nullptr;
    owner->free_slot();
}

ConcurrencyLimit::ConcurrencyLimit(asio::any_io_executor executor, std::size_t limit)
    : executor_(std::move(executor)), limit_(limit) {
    BRAID_ASSERT(limit > 0, "a concurrency limit must allow at least one holder");
}

void ConcurrencyLimit::free_slot() {
    if (queue_.empty()) {
        --in_use_;
        return;
    }
    Waiter* next = queue_.front();  // the slot passes to it; in_use_ is unchanged
    queue_.pop_front();
    next->granted = true;
    next->wake.cancel();
}

asio::awaitable<Result<ConcurrencyLimit::Permit>> ConcurrencyLimit::acquire() {
    if (in_use_ < limit_ && queue_.empty()) {
        ++in_use_;
        co_return Permit(this);
    }
    Waiter waiter(executor_);
    // Leaves the queue on every exit; a slot granted to a frame that never resumed is freed.
    struct Queued {
        ConcurrencyLimit& limit;
        Waiter& waiter;
        std::list<Waiter*>::iterator at;
        bool taken = false;
        ~Queued() {
            if (!waiter.granted)
                limit.queue_.erase(at);
            else if (!taken)
                limit.free_slot();
        }
    } queued{*this, waiter, queue_.insert(queue_.end(), &waiter)};
    while (!waiter.granted) {
        auto [ec] =
            co_await waiter.wake.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (waiter.granted) break;
        if (ec == asio::error::operation_aborted)
            co_return make_error(ErrorCode::cancelled,
                                 "cancelled while waiting for a concurrency slot");
    }
    // Granted and cancelled in the same turn: pass the slot on (Queued's destructor frees it).
    auto cancel_state = co_await asio::this_coro::cancellation_state;
    if (cancel_state.cancelled() != asio::cancellation_type::none)
        co_return make_error(ErrorCode::cancelled,
                             "cancelled while waiting for a concurrency slot");
    queued.taken = true;
    co_return Permit(this);
}

}  // namespace braid::backends::openai
