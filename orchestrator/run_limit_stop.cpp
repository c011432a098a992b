#include "orchestrator/run_limit_stop.hpp"

#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>

namespace braid::orchestrator {

RunLimitStop::RunLimitStop(asio::io_context& io)
    : fired_(io, asio::steady_timer::time_point::max()) {}

void RunLimitStop::trip(std::string why) {
    if (tripped() || why.empty()) return;
    why_ = std::move(why);
    fired_.cancel();
}

asio::awaitable<void> RunLimitStop::wait() {
    if (tripped()) co_return;
    co_await fired_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
}

}  // namespace braid::orchestrator
