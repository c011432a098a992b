#pragma once
// Live progress on a terminal: one line on stderr, redrawn a few times a second from a timer on the
// run's io_context. Disabled (no timer, no output) when stderr is not a terminal or --json is set.

#include <cstddef>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "core/budget.hpp"
#include "store/vocabulary.hpp"

namespace braid::orchestrator {

class Progress {
public:
    // `ledger` is borrowed for the spent-token figure; it must outlive this object.
    Progress(asio::io_context& io, std::size_t total_tasks, std::size_t done_tasks, bool enabled,
             const Ledger* ledger);
    void start();  // begins redrawing (no-op when disabled)
    void stop();   // final redraw, newline, and the timer stops
    void task_done(store::TaskStatus status);

private:
    void schedule();
    void draw();

    asio::steady_timer timer_;
    std::size_t total_;
    std::size_t done_;
    std::size_t solved_ = 0;
    bool enabled_;
    bool running_ = false;
    const Ledger* ledger_;  // not owned
};

}  // namespace braid::orchestrator
