#include "backends/local/kv/segment.hpp"

#include <string>

#include "core/assert.hpp"

namespace braid::backends::local {

std::shared_ptr<Segment> Segment::create(BlockPool& pool, std::int64_t position_offset) {
    return std::make_shared<Segment>(pool, position_offset);
}

Segment::Segment(BlockPool& pool, std::int64_t position_offset)
    : pool_(&pool), position_offset_(position_offset), lineage_(std::make_shared<char>()) {}

Segment::~Segment() {
    for (const BlockId block : blocks_) pool_->release(block);
}

std::shared_ptr<Segment> Segment::clone() const {
    auto copy = create(*pool_, position_offset_);
    copy->blocks_ = blocks_;
    copy->token_ids_ = token_ids_;
    copy->lineage_ = lineage_;
    for (const BlockId block : blocks_) pool_->retain(block);
    return copy;
}

std::shared_ptr<Segment> Segment::clone_prefix(std::size_t n_tokens) const {
    BRAID_ASSERT(n_tokens <= length(), "clone_prefix past the segment's end");
    const std::size_t block_size = pool_->layout().block_size;
    const std::size_t n_blocks = (n_tokens + block_size - 1) / block_size;
    auto copy = create(*pool_, position_offset_);
    copy->blocks_.assign(blocks_.begin(), blocks_.begin() + static_cast<std::ptrdiff_t>(n_blocks));
    copy->token_ids_.assign(token_ids_.begin(),
                            token_ids_.begin() + static_cast<std::ptrdiff_t>(n_tokens));
    copy->lineage_ = lineage_;
    for (const BlockId block : copy->blocks_) pool_->retain(block);
    return copy;
}

std::size_t Segment::blocks_needed(std::size_t n_tokens, bool as_clone) const {
    const std::size_t block_size = pool_->layout().block_size;
    const std::size_t used_in_last = length() % block_size;
    std::size_t needed = 0;
    if (n_tokens > 0 && used_in_last != 0) {
        const bool shared = as_clone || pool_->ref_count(blocks_.back()) > 1;
        if (shared) needed += 1;
    }
    const std::size_t blocks_after = (length() + n_tokens + block_size - 1) / block_size;
    return needed + (blocks_after - blocks_.size());
}

Result<std::vector<KvSlot>> Segment::append(std::span<const std::int32_t> token_ids) {
    const std::size_t n = token_ids.size();
    const std::size_t needed = blocks_needed(n);
    if (needed > pool_->free_blocks()) {
        return make_error(ErrorCode::budget_exhausted,
                          "KV cache out of blocks: appending " + std::to_string(n) +
                              " tokens needs " + std::to_string(needed) + " blocks, " +
                              std::to_string(pool_->free_blocks()) + " free",
                          /*retryable=*/true);
    }
    // From here on nothing can fail: every allocation below is covered by `needed`.
    const std::size_t block_size = pool_->layout().block_size;
    if (n > 0 && length() % block_size != 0 && pool_->ref_count(blocks_.back()) > 1) {
        const BlockId shared = blocks_.back();
        const BlockId own = *pool_->allocate();
        pool_->copy_block(shared, own);
        pool_->release(shared);
        blocks_.back() = own;
    }
    std::vector<KvSlot> slots;
    slots.reserve(n);
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = length();
        if (i % block_size == 0) blocks_.push_back(*pool_->allocate());
        slots.push_back(KvSlot{blocks_[i / block_size], static_cast<std::uint32_t>(i % block_size),
                               position_offset_ + static_cast<std::int64_t>(i)});
        token_ids_.push_back(token_ids[k]);
    }
    return slots;
}

}  // namespace braid::backends::local
