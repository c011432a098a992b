#pragma once
// SharedPrefill: the KV of a token list, taken from the PrefixCache where it can be and prefilled
// (then committed to the cache) where it cannot. "Commit, then fork": a request that needs tokens
// another request is prefilling right now waits for that prefill and forks its result, so N
// concurrent requests with one prompt prefill it once.
//
// context(tokens) returns a linear KvSequence holding exactly `tokens` (empty tokens: an empty
// sequence) plus how many of them came from KV computed for another request. Errors are the
// Scheduler's (budget_exhausted, cancelled, ...); a cancelled caller returns cancelled, and
// requests waiting on its prefill then prefill for themselves.
//
// Threading: the engine's executor only. The Scheduler, PrefixCache and BlockPool must outlive it.

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <vector>

#include <asio/awaitable.hpp>

#include "backends/local/engine/prefix_cache.hpp"
#include "backends/local/engine/scheduler.hpp"

namespace braid::backends::local {

class SharedPrefill {
public:
    SharedPrefill(Scheduler& scheduler, PrefixCache& cache, BlockPool& pool)
        : scheduler_(scheduler), cache_(cache), pool_(pool) {}

    struct Context {
        KvSequence sequence;
        std::size_t reused_tokens = 0;  // tokens whose KV was already there when asked
    };
    asio::awaitable<Result<Context>> context(std::vector<std::int32_t> tokens);

    std::uint64_t prefilled_tokens() const { return prefilled_tokens_; }

private:
    struct InFlight;
    Scheduler& scheduler_;
    PrefixCache& cache_;
    BlockPool& pool_;
    // Prefills under way; shared with the waiters so a finished one can still be read.
    std::list<std::shared_ptr<InFlight>> in_flight_;
    std::uint64_t prefilled_tokens_ = 0;
};

}  // namespace braid::backends::local
