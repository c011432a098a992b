#pragma once
// RunLimitStop: the run passed one of its limits on what it makes (--max-nodes, --max-stored-mb;
// store::RecorderLimits counts them). It trips once: like the wall-clock budget, the tasks in
// flight are cancelled and end as budget_exhausted with the limit's message, and no further task
// starts, so memory and the database stay bounded by the limits.

#include <string>

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

namespace braid::orchestrator {

class RunLimitStop {
public:
    explicit RunLimitStop(asio::io_context& io);
    RunLimitStop(const RunLimitStop&) = delete;
    RunLimitStop& operator=(const RunLimitStop&) = delete;

    // Records `why` and wakes every wait(); later calls change nothing. Call on the io_context.
    void trip(std::string why);
    bool tripped() const { return !why_.empty(); }
    const std::string& why() const { return why_; }  // "" until tripped

    // Completes when the stop trips (at once when it has). Cancellable.
    asio::awaitable<void> wait();

private:
    asio::steady_timer fired_;  // never expires by itself; cancelled by trip()
    std::string why_;
};

}  // namespace braid::orchestrator
