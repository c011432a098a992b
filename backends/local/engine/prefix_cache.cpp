#include "backends/local/engine/prefix_cache.hpp"

#include <algorithm>

namespace braid::backends::local {

namespace {

std::size_t common_prefix(std::span<const std::int32_t> a, std::span<const std::int32_t> b) {
    const std::size_t n = std::min(a.size(), b.size());
    auto [ia, ib] = std::mismatch(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin());
    return static_cast<std::size_t>(ia - a.begin());
}

}  // namespace

PrefixCache::Hit PrefixCache::lookup(std::span<const std::int32_t> tokens) {
    ++stats_.lookups;
    auto best = entries_.end();
    std::size_t best_n = 0;
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        const std::size_t n = common_prefix(it->tokens, tokens);
        if (n > best_n) {
            best_n = n;
            best = it;
        }
    }
    Hit hit;
    if (best == entries_.end()) return hit;
    entries_.splice(entries_.begin(), entries_, best);  // most recently used
    hit.n_tokens = best_n;
    hit.sequence.emplace(best->sequence.prefix(best_n));
    ++stats_.hits;
    stats_.hit_tokens += best_n;
    return hit;
}

void PrefixCache::insert(const KvSequence& sequence) {
    if (max_entries_ == 0 || sequence.length() == 0 || !sequence.linear()) return;
    std::vector<std::int32_t> tokens = sequence.tokens();
    for (auto it = entries_.begin(); it != entries_.end();) {
        const std::size_t n = common_prefix(it->tokens, tokens);
        if (n == tokens.size()) {  // already covered: only a use
            entries_.splice(entries_.begin(), entries_, it);
            return;
        }
        if (n == it->tokens.size()) {
            it = entries_.erase(it);  // the new entry extends this one
        } else {
            ++it;
        }
    }
    entries_.push_front(Entry{std::move(tokens), sequence.fork()});
    while (entries_.size() > max_entries_) {
        entries_.pop_back();
        ++stats_.evictions;
    }
}

bool PrefixCache::evict_one() {
    if (entries_.empty()) return false;
    entries_.pop_back();
    ++stats_.evictions;
    return true;
}

}  // namespace braid::backends::local
