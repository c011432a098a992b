#pragma once
// ConcurrencyLimit: at most `limit` holders at once; the excess waits in FIFO order. An async
// semaphore for one executor (no locks: every call happens on the thread running it).
//
// acquire() returns a Permit that frees its slot when destroyed or released; a slot freed while
// others wait passes straight to the first waiter. Cancelling a waiting acquire() (through the
// awaiting coroutine's cancellation slot) leaves the queue and returns ErrorCode::cancelled.
// The limit must outlive its permits and waiters.

#include <cstddef>
#include <list>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include "core/error.hpp"

namespace braid::backends::openai {

class ConcurrencyLimit {
public:
    class Permit {
    public:
        Permit() = default;
        explicit Permit(ConcurrencyLimit* owner) : owner_(owner) {}
        Permit(Permit&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
        Permit& operator=(Permit&& other) noexcept;
        Permit(const Permit&) = delete;
        Permit& operator=(const Permit&) = delete;
        ~Permit() { release(); }
        void release();
        bool held() const { return owner_ != nullptr; }

    private:
        ConcurrencyLimit* owner_ = nullptr;  // not owned
    };

    ConcurrencyLimit(asio::any_io_executor executor, std::size_t limit);

    asio::awaitable<Result<Permit>> acquire();

    std::size_t limit() const { return limit_; }
    std::size_t in_use() const { return in_use_; }
    std::size_t waiting() const { return queue_.size(); }

private:
    struct Waiter {
        explicit Waiter(const asio::any_io_executor& ex)
            : wake(ex, asio::steady_timer::time_point::max()) {}
        asio::steady_timer wake;
        bool granted = false;
    };
    void free_slot();

    asio::any_io_executor executor_;
    std::size_t limit_;
    std::size_t in_use_ = 0;
    std::list<Waiter*> queue_;  // not owned: each lives in its acquire() frame
};

}  // namespace braid::backends::openai
