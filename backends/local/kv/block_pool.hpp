#pragma once
// BlockPool: a fixed number of KV blocks in one contiguous fp32 arena, with a free list and a
// reference count per block.
//
// - A block is free (count 0, on the free list) or used (count >= 1). `allocate()` hands out a free
//   block with count 1; `retain` adds a reference; `release` drops one and puts the block back on
//   the free list the moment its count reaches 0. Retaining or releasing a free block is a bug
//   (asserted), so double frees cannot go unnoticed.
// - Who holds the references: every Segment holds exactly one reference per entry of its block
//   list (segment.hpp). Nothing else retains blocks, so at any time a block's count equals the
//   number of live Segment objects that list it.
// - Memory layout inside a block: kv_layout.hpp ([layer][K|V][kv_head][slot][head_dim]). The
//   arena is never moved or resized, so pointers from `keys`/`values` stay valid for the pool's
//   life. Freed blocks keep stale data; whoever allocates a block writes before reading.
//
// Thread-safety: the bookkeeping (allocate/retain/release/copy_block) is not synchronized; one
// thread (the scheduler) owns it. Kernels may read and write block *contents* from many threads
// concurrently as long as no two threads write the same slot and bookkeeping is not running.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "backends/local/kv/kv_layout.hpp"

namespace braid::backends::local {

class BlockPool {
public:
    BlockPool(KvLayout layout, std::size_t n_blocks);

    BlockPool(const BlockPool&) = delete;
    BlockPool& operator=(const BlockPool&) = delete;

    const KvLayout& layout() const { return layout_; }
    std::size_t n_blocks() const { return ref_counts_.size(); }
    std::size_t free_blocks() const { return free_list_.size(); }
    std::size_t used_blocks() const { return n_blocks() - free_blocks(); }

    // A free block with reference count 1, or nullopt when every block is in use.
    std::optional<BlockId> allocate();
    void retain(BlockId block);
    void release(BlockId block);
    std::uint32_t ref_count(BlockId block) const;

    // Copies every layer's K and V of `src` into `dst` (copy-on-write of a shared block). Both must
    // be in use and distinct; reference counts are not touched.
    void copy_block(BlockId src, BlockId dst);
    // Copies one token's K and V, every layer and head, from slot `src` to slot `dst` (distinct
    // slots of used blocks). Keys stay rotated as they were: `dst` must hold the same position.
    void copy_slot(const KvSlot& src, const KvSlot& dst);

    // The [block_size, head_dim] key (value) matrix of one kv head of one layer in `block`; row
    // `slot` is that slot's key (value).
    float* keys(BlockId block, std::size_t layer, std::size_t kv_head);
    const float* keys(BlockId block, std::size_t layer, std::size_t kv_head) const;
    float* values(BlockId block, std::size_t layer, std::size_t kv_head);
    const float* values(BlockId block, std::size_t layer, std::size_t kv_head) const;

    // Scatters one token's K and V rows ([n_kv_heads * head_dim] each, head-major as a K/V
    // projection produces them) into `slot` for `layer`. The key must already be RoPE-rotated at
    // slot.position (or at the segment's stored position; see segment.hpp).
    void write(const KvSlot& slot, std::size_t layer, const float* k_row, const float* v_row);

private:
    std::size_t head_offset(BlockId block, std::size_t layer, std::size_t kv_head,
                            std::size_t k_or_v) const;
    void check_used(BlockId block) const;

    KvLayout layout_;
    std::vector<float> arena_;                // n_blocks * floats_per_block
    std::vector<std::uint32_t> ref_counts_;   // per block; 0 = free
    std::vector<BlockId> free_list_;          // a stack; the lowest ids come out first
};

}  // namespace braid::backends::local
