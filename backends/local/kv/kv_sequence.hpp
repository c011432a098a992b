#pragma once
// KvSequence: one sequence's KV context, an ordered list of segments (segment.hpp).
//
// Positions. A sequence has a *logical position counter*, next_position(): the position of the
// next token it appends, which is the end of its last segment. After a merge the number of cached
// tokens, length(), is larger than the counter (parallel paths share positions), so the forward
// pass must take positions from the KvSlots that append() returns, never from length().
//
// Semantics are snapshot-like: what a sequence sees never changes because another sequence
// appends. Segments are shared between sequences (fork, merge) by shared_ptr; a sequence appends
// only to its last segment and clones that segment first when anyone else holds it. The clone
// shares the blocks; Segment::append then copies the one partial last block if it is shared.
//
// Multiverse (parallel.md §2.2-2.3) maps onto it as:
//     auto paths = {parent.fork(ForkMode::new_segment), ...};   // each path starts at p
//     ... each path appends its own tokens at p, p+1, ... ...
//     auto merged = KvSequence::merge({&parent, &path1, &path2});  // prefix + path1 + path2
//     merged.append(<Conclusion> tokens);  // positions start at p + the longest path's length
// Keys of path 1 are never in path 2's context (it never held path 1's segment), which is what
// Multiverse's training mask asks for; no attention mask is needed for it.
//
// Ownership: a KvSequence owns its segment references; destroying it (or moving from it) releases
// them, and blocks no other segment lists go back to the pool. Move-only; fork() is the copy.
// Thread-safety: none (scheduler thread; see block_pool.hpp).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backends/local/kv/block_pool.hpp"
#include "backends/local/kv/kv_view.hpp"
#include "backends/local/kv/segment.hpp"
#include "core/assert.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

enum class ForkMode {
    // The child continues the parent's last segment; its first append copies the parent's partial
    // last block (copy-on-write). Best for independent samples (best-of-N, SGLang fork).
    share_tail,
    // The child starts a new empty segment at the parent's next position, so its tokens never
    // share a block or segment with the prefix. Needed for paths that will be merged (Multiverse)
    // and for Hogwild! worker segments. Costs up to block_size-1 unused slots of the prefix's tail.
    new_segment,
};

class KvSequence {
public:
    // An empty sequence whose first token will sit at `start_position`.
    explicit KvSequence(BlockPool& pool, std::int64_t start_position = 0);
    KvSequence(KvSequence&&) noexcept = default;
    KvSequence& operator=(KvSequence&&) noexcept = default;
    KvSequence(const KvSequence&) = delete;
    KvSequence& operator=(const KvSequence&) = delete;
    ~KvSequence() = default;

    // Reserves slots for `token_ids.size()` tokens at the end of the last segment; returns one
    // KvSlot (block, slot, position) per token for the forward pass to write K/V into (keys
    // rotated at slot.position). Clones a shared last segment and copies a shared partial last
    // block first. Fails with budget_exhausted (retryable) when the pool lacks blocks, leaving the
    // sequence and the pool exactly as they were.
    Result<std::vector<KvSlot>> append(std::span<const std::int32_t> token_ids);

    // A child sharing every segment (reference counts only; no block is allocated or copied, so a
    // fork cannot fail). See ForkMode.
    KvSequence fork(ForkMode mode = ForkMode::share_tail) const;

    // True when the context is one run of positions: the first segment starts at 0 and each next
    // one at the previous one's end (no merge paths). Such a sequence's KV depends only on its
    // token list, which is what lets the prefix cache share it between requests.
    bool linear() const;
    // A child holding only the first `n_tokens` tokens of a linear() sequence (n_tokens <=
    // length()): whole segments are shared, the one cut in two is a clone_prefix. No block is
    // allocated; the child's first append copies a shared partial last block (copy-on-write).
    KvSequence prefix(std::size_t n_tokens) const;

    // The Multiverse reduce: a new sequence whose context is the parents' common leading segments
    // (shared by identity), then each parent's remaining segments (its path) in argument order,
    // then an empty segment at the largest next_position() of the parents (after the longest path).
    // Empty segments are dropped. Errors (invalid_input): no parents, parents from different
    // pools, paths that do not all start at the same position (the end of the common prefix), or
    // two segments of one lineage in the result (a token would appear twice; happens when paths
    // were forked with share_tail instead of new_segment).
    static Result<KvSequence> merge(std::span<const KvSequence* const> parents);

    // A view of this sequence's segments in the order given by `order` (indices into segments()),
    // packed from the first segment's start position (kv_view.hpp). The view shares the segments,
    // so this sequence's later appends go to a clone and do not show in the view.
    KvView view(std::span<const std::size_t> order) const;

    // The attention context: every segment at its stored positions, in order. Valid until this
    // sequence (or a segment it shares) is next modified.
    std::vector<SegmentSpan> spans() const;

    // Where token `index` (context order, < length()) is stored.
    KvSlot slot_of(std::size_t index) const;

    std::size_t length() const;               // cached tokens
    std::vector<std::int32_t> tokens() const; // token ids in context order
    std::int64_t next_position() const {
        BRAID_ASSERT(!segments_.empty(), "next_position of a moved-from KvSequence");
        return segments_.back()->end_position();
    }
    std::span<const std::shared_ptr<Segment>> segments() const { return segments_; }
    BlockPool& pool() const { return *pool_; }

private:
    KvSequence(BlockPool& pool, std::vector<std::shared_ptr<Segment>> segments);

    BlockPool* pool_;
    // Never empty (except moved-from); the last segment is the one append() writes to.
    std::vector<std::shared_ptr<Segment>> segments_;
};

}  // namespace braid::backends::local
