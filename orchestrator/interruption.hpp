#pragma once
// Interruption: SIGINT and SIGTERM during a run. The first one stops the run cleanly: the tasks
// in flight are cancelled (their threads stop, sandboxed processes are killed, workspaces
// removed as their owners unwind) and not recorded as done, no further task starts, and the run
// is stored as interrupted, so `braid resume` continues it. While the run is being stopped, a
// further signal changes nothing; after close() the default disposition is back.

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

namespace braid::orchestrator {

class Interruption {
public:
    // Starts catching the signals on `io` (which must run for them to be seen).
    explicit Interruption(asio::io_context& io);
    Interruption(const Interruption&) = delete;
    Interruption& operator=(const Interruption&) = delete;

    bool happened() const { return signal_ != 0; }
    int signal() const { return signal_; }  // the signal that interrupted, 0 when none did

    // Completes when a signal arrives (at once when one has). Cancellable.
    asio::awaitable<void> wait();

    // Stops catching (the io_context can then run dry). Idempotent.
    void close();

private:
    asio::signal_set signals_;
    asio::steady_timer fired_;  // never expires by itself; cancelled when the signal arrives
    int signal_ = 0;
};

// Closes an Interruption when it goes out of scope.
struct InterruptionCloser {
    Interruption& interruption;
    ~InterruptionCloser() { interruption.close(); }
};

}  // namespace braid::orchestrator
