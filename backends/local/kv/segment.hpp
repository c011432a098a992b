#pragma once
// Segment: a run of KV blocks holding `length()` tokens, placed at consecutive positions.
//
// - Token i of a segment sits in block blocks()[i / block_size], slot i % block_size, and its key
//   is stored already RoPE-rotated at position `position_offset() + i` ("stored position"). Values
//   carry no position. A segment never re-rotates its keys.
// - Ownership: a Segment holds one BlockPool reference per entry of its block list and releases
//   them when destroyed. Segments are shared through std::shared_ptr because several sequences
//   (after fork/merge) and views (Hogwild!) hold the same segment and none of them knows which
//   lets go last. The BlockPool must outlive every Segment made from it.
// - Appending writes into the segment object itself, so every holder of the shared_ptr sees the
//   new tokens (that is how a Hogwild! worker's segment grows inside other workers' views).
//   Snapshot semantics for forked sequences come from KvSequence, which clones a shared segment
//   before appending to it (kv_sequence.hpp).
// - Copy-on-write: blocks can be listed by several segments (after `clone()`). Before writing into
//   a partially filled last block whose reference count is > 1, `append` copies that one block to
//   a fresh one; full blocks are never written again, so they are never copied.
//
// Thread-safety: none; the scheduler thread owns all segments (see block_pool.hpp).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backends/local/kv/block_pool.hpp"
#include "backends/local/kv/kv_layout.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

// What attention reads of one segment in one context. Valid until that segment is next modified.
//
// - keys of token i are RoPE-rotated at `key_position + i` (the segment's stored position);
// - token i is at logical position `position + i` in this context: the causal mask compares it
//   with the query's position (key visible iff position + i <= query position).
// For a sequence's own segments the two are equal. A Hogwild! view may place a segment elsewhere
// (position != key_position); attention then rotates the query by -query_shift() for that segment
// so q.k depends on (position + i) - query_position exactly as if the keys had been re-rotated.
struct SegmentSpan {
    std::span<const BlockId> blocks;
    std::size_t length = 0;
    std::int64_t key_position = 0;
    std::int64_t position = 0;

    std::int64_t query_shift() const { return position - key_position; }
};

// Calls fn(block, n_slots, first_position) for each block of `span` in order: slots 0..n_slots-1
// of `block` hold the span's tokens at logical positions first_position + slot.
template <class Fn>
void for_each_block(const SegmentSpan& span, std::size_t block_size, Fn&& fn) {
    std::size_t done = 0;
    for (const BlockId block : span.blocks) {
        if (done >= span.length) break;
        const std::size_t n = span.length - done < block_size ? span.length - done : block_size;
        fn(block, n, span.position + static_cast<std::int64_t>(done));
        done += n;
    }
}

class Segment {
public:
    // An empty segment whose first token will sit at `position_offset`.
    static std::shared_ptr<Segment> create(BlockPool& pool, std::int64_t position_offset);

    Segment(BlockPool& pool, std::int64_t position_offset);  // prefer create()
    ~Segment();
    Segment(const Segment&) = delete;
    Segment& operator=(const Segment&) = delete;

    // A new segment listing the same blocks (each retained once more) and tokens: a table copy,
    // no KV data is copied. The clone shares this segment's lineage.
    std::shared_ptr<Segment> clone() const;
    // A clone of the first `n_tokens` tokens only (n_tokens <= length()): it lists just the blocks
    // they occupy, so a partial last block is shared and copied on the clone's first append.
    std::shared_ptr<Segment> clone_prefix(std::size_t n_tokens) const;

    // True when both segments descend (by clone) from the same created segment, so they share
    // their leading tokens. Merge uses it to refuse contexts that would hold a token twice.
    bool same_lineage(const Segment& other) const { return lineage_ == other.lineage_; }

    // Reserves slots for `token_ids.size()` new tokens at the end of the segment and records the
    // ids. Returns one KvSlot per token, in order, for the forward pass to write K/V into. Copies
    // the last block first when it is partial and shared (copy-on-write). Fails with
    // budget_exhausted (retryable) when the pool lacks blocks, changing nothing.
    Result<std::vector<KvSlot>> append(std::span<const std::int32_t> token_ids);

    // Pool blocks an append of `n_tokens` would take: new blocks plus one for copy-on-write of a
    // shared partial last block. `as_clone`: count as if this segment were cloned first.
    std::size_t blocks_needed(std::size_t n_tokens, bool as_clone = false) const;

    std::size_t length() const { return token_ids_.size(); }
    bool empty() const { return token_ids_.empty(); }
    std::int64_t position_offset() const { return position_offset_; }
    std::int64_t end_position() const {
        return position_offset_ + static_cast<std::int64_t>(length());
    }
    std::span<const BlockId> blocks() const { return blocks_; }
    std::span<const std::int32_t> token_ids() const { return token_ids_; }
    const BlockPool& pool() const { return *pool_; }

    // This segment as attention reads it, at its stored positions or placed at `position`.
    SegmentSpan span() const { return span_at(position_offset_); }
    SegmentSpan span_at(std::int64_t position) const {
        return SegmentSpan{blocks_, length(), position_offset_, position};
    }

private:
    BlockPool* pool_;
    std::int64_t position_offset_;
    std::vector<BlockId> blocks_;
    std::vector<std::int32_t> token_ids_;
    // Identity shared by a segment and its clones; a shared_ptr so that a freed address reused by
    // a new segment can never look like the same lineage.
    std::shared_ptr<const char> lineage_;
};

}  // namespace braid::backends::local
