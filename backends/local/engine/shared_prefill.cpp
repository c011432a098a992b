#include "backends/local/engine/shared_prefill.hpp"

#include <algorithm>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace braid::backends::local {

struct SharedPrefill::InFlight {
    InFlight(std::vector<std::int32_t> t, asio::any_io_executor ex)
        : tokens(std::move(t)), done(std::move(ex), asio::steady_timer::time_point::max()) {}
    std::vector<std::int32_t> tokens;
    asio::steady_timer done;  // an event: cancelled when the prefill ends, however it ends
    bool finished = false;
};

namespace {

std::size_t common_prefix(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b) {
    const std::size_t n = std::min(a.size(), b.size());
    std::size_t i = 0;
    while (i < n && a[i] == b[i]) ++i;
    return i;
}

}  // namespace

asio::awaitable<Result<SharedPrefill::Context>> SharedPrefill::context(
    std::vector<std::int32_t> tokens) {
    PrefixCache::Hit hit;
    for (;;) {
        hit = cache_.lookup(tokens);
        if (hit.n_tokens == tokens.size()) {
            KvSequence sequence = hit.sequence ? std::move(*hit.sequence) : KvSequence(pool_);
            co_return Context{std::move(sequence), hit.n_tokens};
        }
        // A prefill under way that will give more of our tokens than the cache has: wait for it.
        std::shared_ptr<InFlight> ahead;
        for (const auto& flight : in_flight_) {
            if (common_prefix(flight->tokens, tokens) > hit.n_tokens) {
                ahead = flight;
                break;
            }
        }
        if (!ahead) break;
        hit = PrefixCache::Hit{};  // hold no blocks while waiting
        auto wait = ahead->done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        co_await std::move(wait);
        if (!ahead->finished) co_return make_error(ErrorCode::cancelled, "prefill wait cancelled");
    }

    auto flight = std::make_shared<InFlight>(tokens, co_await asio::this_coro::executor);
    in_flight_.push_back(flight);
    // However this coroutine ends (result, error, cancellation, destruction), waiters wake.
    struct Release {
        std::list<std::shared_ptr<InFlight>>& list;
        std::shared_ptr<InFlight> flight;
        ~Release() {
            flight->finished = true;
            flight->done.cancel();
            list.remove(flight);
        }
    } release{in_flight_, flight};

    const std::size_t reused = hit.n_tokens;
    GenerateRequest prefill;
    if (hit.sequence) prefill.context.emplace(std::move(*hit.sequence));
    prefill.prompt.assign(tokens.begin() + static_cast<std::ptrdiff_t>(reused), tokens.end());
    prefill.max_tokens = 0;
    auto done = co_await scheduler_.generate(std::move(prefill));
    if (!done) co_return std::move(done).error();
    prefilled_tokens_ += tokens.size() - reused;
    cache_.insert(*done->sequence);
    co_return Context{std::move(*done->sequence), reused};
}

}  // namespace braid::backends::local
