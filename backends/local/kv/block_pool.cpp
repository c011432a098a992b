#include "backends/local/kv/block_pool.hpp"

#include <algorithm>
#include <limits>

#include "core/assert.hpp"

namespace braid::backends::local {

BlockPool::BlockPool(KvLayout layout, std::size_t n_blocks)
    : layout_(layout), arena_(n_blocks * layout.floats_per_block()), ref_counts_(n_blocks, 0) {
    BRAID_ASSERT(layout_.valid(), "BlockPool needs a layout with every dimension > 0");
    BRAID_ASSERT(n_blocks <= std::numeric_limits<BlockId>::max(), "too many blocks for BlockId");
    // A stack popped from the back: push the highest id first so block 0 is allocated first,
    // which keeps block ids (and so test expectations) deterministic and readable.
    free_list_.reserve(n_blocks);
    for (std::size_t i = n_blocks; i > 0; --i) free_list_.push_back(static_cast<BlockId>(i - 1));
}

std::optional<BlockId> BlockPool::allocate() {
    if (free_list_.empty()) return std::nullopt;
    const BlockId block = free_list_.back();
    free_list_.pop_back();
    ref_counts_[block] = 1;
    return block;
}

void BlockPool::check_used(BlockId block) const {
    BRAID_ASSERT(block < ref_counts_.size(), "block id out of range");
    BRAID_ASSERT(ref_counts_[block] > 0, "block is free (use after release or double free)");
}

void BlockPool::retain(BlockId block) {
    check_used(block);
    ++ref_counts_[block];
}

void BlockPool::release(BlockId block) {
    check_used(block);
    if (--ref_counts_[block] == 0) free_list_.push_back(block);
}

std::uint32_t BlockPool::ref_count(BlockId block) const {
    BRAID_ASSERT(block < ref_counts_.size(), "block id out of range");
    return ref_counts_[block];
}

void BlockPool::copy_block(BlockId src, BlockId dst) {
    check_used(src);
    check_used(dst);
    BRAID_ASSERT(src != dst, "copy_block onto itself");
    const std::size_t n = layout_.floats_per_block();
    const auto from = arena_.begin() + static_cast<std::ptrdiff_t>(src * n);
    std::copy(from, from + static_cast<std::ptrdiff_t>(n),
              arena_.begin() + static_cast<std::ptrdiff_t>(dst * n));
}

void BlockPool::copy_slot(const KvSlot& src, const KvSlot& dst) {
    check_used(src.block);
    check_used(dst.block);
    BRAID_ASSERT(src.block != dst.block || src.slot != dst.slot, "copy_slot onto itself");
    BRAID_ASSERT(src.slot < layout_.block_size && dst.slot < layout_.block_size,
                 "copy_slot: slot out of range");
    const std::size_t d = layout_.head_dim;
    for (std::size_t layer = 0; layer < layout_.n_layers; ++layer) {
        for (std::size_t head = 0; head < layout_.n_kv_heads; ++head) {
            for (std::size_t k_or_v = 0; k_or_v < 2; ++k_or_v) {
                const float* from =
                    arena_.data() + head_offset(src.block, layer, head, k_or_v) + src.slot * d;
                float* to = arena_.data() + head_offset(dst.block, layer, head, k_or_v) + dst.slot * d;
                std::copy(from, from + d, to);
            }
        }
    }
}

std::size_t BlockPool::head_offset(BlockId block, std::size_t layer, std::size_t kv_head,
                                   std::size_t k_or_v) const {
    BRAID_ASSERT(block < ref_counts_.size(), "block id out of range");
    BRAID_ASSERT(layer < layout_.n_layers && kv_head < layout_.n_kv_heads, "layer/head out of range");
    return block * layout_.floats_per_block() + layer * layout_.floats_per_layer() +
           (k_or_v * layout_.n_kv_heads + kv_head) * layout_.floats_per_head();
}

float* BlockPool::keys(BlockId block, std::size_t layer, std::size_t kv_head) {
    return arena_.data() + head_offset(block, layer, kv_head, 0);
}
const float* BlockPool::keys(BlockId block, std::size_t layer, std::size_t kv_head) const {
    return arena_.data() + head_offset(block, layer, kv_head, 0);
}
float* BlockPool::values(BlockId block, std::size_t layer, std::size_t kv_head) {
    return arena_.data() + head_offset(block, layer, kv_head, 1);
}
const float* BlockPool::values(BlockId block, std::size_t layer, std::size_t kv_head) const {
    return arena_.data() + head_offset(block, layer, kv_head, 1);
}

void BlockPool::write(const KvSlot& slot, std::size_t layer, const float* k_row,
                      const float* v_row) {
    BRAID_ASSERT(slot.slot < layout_.block_size, "slot out of range");
    const std::size_t d = layout_.head_dim;
    for (std::size_t h = 0; h < layout_.n_kv_heads; ++h) {
        std::copy(k_row + h * d, k_row + (h + 1) * d, keys(slot.block, layer, h) + slot.slot * d);
        std::copy(v_row + h * d, v_row + (h + 1) * d, values(slot.block, layer, h) + slot.slot * d);
    }
}

}  // namespace braid::backends::local
