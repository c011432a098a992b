#include "orchestrator/interruption.hpp"

#include <csignal>
#include <system_error>

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace braid::orchestrator {

Interruption::Interruption(asio::io_context& io)
    : signals_(io, SIGINT, SIGTERM), fired_(io, asio::steady_timer::time_point::max()) {
    signals_.async_wait([this](const std::error_code& error, int number) {
        if (error) return;  // closed
        signal_ = number;
        fired_.cancel();
    });
}

asio::awaitable<void> Interruption::wait() {
    if (happened()) co_return;
    co_await fired_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}

void Interruption::close() {
    std::error_code ignored;  // cancelling a signal set cannot fail in a way that matters here
    signals_.cancel(ignored);
    signals_.clear(ignored);
}

}  // namespace braid::orchestrator
