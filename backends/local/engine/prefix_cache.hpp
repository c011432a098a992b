#pragma once
// PrefixCache: the KV of earlier requests (prompt + generated tokens), kept so that a later request
// whose tokens start the same way re-uses it instead of prefilling it again. This is how text-level
// planners (APR continuations re-sending a parent's context, N samples of one prompt, beam steps)
// share KV on the local engine without knowing about it.
//
// - Entries are linear KvSequences (KvSequence::linear(): positions 0..n-1, no merge paths), held
//   as forks: they share blocks with the sequences they came from, so caching costs no copy. A
//   linear sequence's KV is a function of its tokens alone (the forward pass computes each row the
//   same way whatever it is batched with), so a hit gives bit-identical results.
// - lookup() returns the longest cached prefix of a token list as a KvSequence of exactly those
//   tokens (KvSequence::prefix: whole blocks shared, a partial last block copied on first write).
// - insert() drops the entries the new one extends (their tokens are a prefix of it) and ignores a
//   sequence that an entry already covers. At most `max_entries` entries; the least recently used
//   goes first.
// - evict_one() drops the least recently used entry; the scheduler calls it whenever the pool is
//   short of blocks (Scheduler::set_reclaimer), before it preempts or fails anything, so the cache
//   never makes a live request fail. An evicted entry frees only blocks no live sequence holds.
//
// Threading: the engine's executor only (like the BlockPool it holds blocks of). The pool must
// outlive the cache.

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <vector>

#include "backends/local/kv/kv_sequence.hpp"

namespace braid::backends::local {

class PrefixCache {
public:
    static constexpr std::size_t default_max_entries = 64;
    explicit PrefixCache(std::size_t max_entries = default_max_entries)
        : max_entries_(max_entries) {}

    struct Hit {
        std::size_t n_tokens = 0;            // leading tokens whose KV was found
        std::optional<KvSequence> sequence;  // exactly those tokens; none when n_tokens == 0
    };
    // The longest cached prefix of `tokens` (counts as a use of that entry).
    Hit lookup(std::span<const std::int32_t> tokens);

    // Remembers `sequence`'s KV (a fork is kept). Non-linear or empty sequences are ignored.
    void insert(const KvSequence& sequence);

    // Drops the least recently used entry; false when the cache is empty.
    bool evict_one();
    void clear() { entries_.clear(); }
    std::size_t size() const { return entries_.size(); }

    struct Stats {
        std::uint64_t lookups = 0, hits = 0, hit_tokens = 0, evictions = 0;
    };
    const Stats& stats() const { return stats_; }

private:
    struct Entry {
        std::vector<std::int32_t> tokens;
        KvSequence sequence;
    };
    std::size_t max_entries_;
    std::list<Entry> entries_;  // most recently used first
    Stats stats_;
};

}  // namespace braid::backends::local
