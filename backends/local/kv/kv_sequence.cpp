#include "backends/local/kv/kv_sequence.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "core/assert.hpp"

namespace braid::backends::local {

KvSequence::KvSequence(BlockPool& pool, std::int64_t start_position)
    : pool_(&pool), segments_{Segment::create(pool, start_position)} {}

KvSequence::KvSequence(BlockPool& pool, std::vector<std::shared_ptr<Segment>> segments)
    : pool_(&pool), segments_(std::move(segments)) {
    BRAID_ASSERT(!segments_.empty(), "a sequence always has a last segment");
}

Result<std::vector<KvSlot>> KvSequence::append(std::span<const std::int32_t> token_ids) {
    BRAID_ASSERT(!segments_.empty(), "append on a moved-from KvSequence");
    std::shared_ptr<Segment>& last = segments_.back();
    // use_count is exact here: all holders live on the scheduler thread (no concurrent copies).
    const bool shared = last.use_count() > 1;
    if (token_ids.empty()) return std::vector<KvSlot>{};
    // Check capacity before cloning so that a failure leaves no trace.
    const std::size_t needed = last->blocks_needed(token_ids.size(), shared);
    if (needed > pool_->free_blocks()) {
        return make_error(ErrorCode::budget_exhausted,
                          "KV cache out of blocks: appending " + std::to_string(token_ids.size()) +
                              " tokens needs " + std::to_string(needed) + " blocks, " +
                              std::to_string(pool_->free_blocks()) + " free",
                          /*retryable=*/true);
    }
    if (shared) last = last->clone();
    return last->append(token_ids);
}

KvSequence KvSequence::fork(ForkMode mode) const {
    BRAID_ASSERT(!segments_.empty(), "fork of a moved-from KvSequence");
    std::vector<std::shared_ptr<Segment>> segments = segments_;
    if (mode == ForkMode::new_segment) {
        // Never stack an empty segment on another: replace an empty tail with the child's own.
        if (segments.back()->empty()) segments.pop_back();
        segments.push_back(Segment::create(*pool_, next_position()));
    }
    return KvSequence(*pool_, std::move(segments));
}

bool KvSequence::linear() const {
    std::int64_t next = 0;
    for (const auto& segment : segments_) {
        if (segment->position_offset() != next) return false;
        next = segment->end_position();
    }
    return true;
}

KvSequence KvSequence::prefix(std::size_t n_tokens) const {
    BRAID_ASSERT(linear(), "prefix of a sequence that is not linear");
    BRAID_ASSERT(n_tokens <= length(), "prefix longer than the sequence");
    std::vector<std::shared_ptr<Segment>> kept;
    std::size_t left = n_tokens;
    for (const auto& segment : segments_) {
        if (left == 0) break;
        if (segment->length() <= left) {
            if (!segment->empty()) kept.push_back(segment);
            left -= segment->length();
        } else {
            kept.push_back(segment->clone_prefix(left));
            left = 0;
        }
    }
    if (kept.empty()) return KvSequence(*pool_, 0);
    return KvSequence(*pool_, std::move(kept));
}

Result<KvSequence> KvSequence::merge(std::span<const KvSequence* const> parents) {
    if (parents.empty()) return make_error(ErrorCode::invalid_input, "merge needs a parent");
    BlockPool* pool = parents.front()->pool_;
    for (const KvSequence* parent : parents) {
        BRAID_ASSERT(parent != nullptr && !parent->segments_.empty(), "merge of a null sequence");
        if (parent->pool_ != pool) {
            return make_error(ErrorCode::invalid_input, "merge of sequences from different pools");
        }
    }
    // The common prefix: leading segments every parent holds (the same objects).
    std::size_t n_common = 0;
    for (;; ++n_common) {
        const KvSequence& first = *parents.front();
        if (n_common >= first.segments_.size()) break;
        const Segment* candidate = first.segments_[n_common].get();
        const bool all = std::all_of(parents.begin(), parents.end(), [&](const KvSequence* p) {
            return n_common < p->segments_.size() && p->segments_[n_common].get() == candidate;
        });
        if (!all) break;
    }

    // Multiverse: every path starts right after the common prefix, at the prefix's next position.
    // That is the largest end among its segments: for a plain prefix its last segment's end, for
    // a prefix that is itself a merge the position after its longest path.
    std::vector<std::shared_ptr<Segment>> merged;
    bool have_start = n_common > 0;
    std::int64_t path_start = 0;
    for (std::size_t i = 0; i < n_common; ++i) {
        const auto& segment = parents.front()->segments_[i];
        path_start = i == 0 ? segment->end_position() : std::max(path_start, segment->end_position());
        if (!segment->empty()) merged.push_back(segment);
    }
    std::int64_t continuation = path_start;
    for (std::size_t p = 0; p < parents.size(); ++p) {
        const KvSequence& parent = *parents[p];
        bool first_of_path = true;
        for (std::size_t i = n_common; i < parent.segments_.size(); ++i) {
            const auto& segment = parent.segments_[i];
            if (segment->empty()) continue;
            if (first_of_path) {
                if (!have_start) {
                    path_start = segment->position_offset();
                    have_start = true;
                } else if (segment->position_offset() != path_start) {
                    return make_error(
                        ErrorCode::invalid_input,
                        "merge: parent " + std::to_string(p) + "'s path starts at position " +
                            std::to_string(segment->position_offset()) + ", not at " +
                            std::to_string(path_start) + " (the end of the common prefix)");
                }
                first_of_path = false;
            }
            merged.push_back(segment);
        }
        continuation = std::max(continuation, parent.next_position());
    }
    for (std::size_t i = 0; i < merged.size(); ++i) {
        for (std::size_t j = i + 1; j < merged.size(); ++j) {
            if (merged[i]->same_lineage(*merged[j])) {
                return make_error(ErrorCode::invalid_input,
                                  "merge: two segments share tokens (fork paths with "
                                  "ForkMode::new_segment before merging them)");
            }
        }
    }
    merged.push_back(Segment::create(*pool, continuation));
    return KvSequence(*pool, std::move(merged));
}

KvView KvSequence::view(std::span<const std::size_t> order) const {
    std::vector<std::shared_ptr<const Segment>> chosen;
    chosen.reserve(order.size());
    for (const std::size_t index : order) {
        BRAID_ASSERT(index < segments_.size(), "view: segment index out of range");
        chosen.push_back(segments_[index]);
    }
    return KvView(std::move(chosen), KvView::Placement::packed,
                  segments_.front()->position_offset());
}

std::vector<SegmentSpan> KvSequence::spans() const {
    std::vector<SegmentSpan> out;
    out.reserve(segments_.size());
    for (const auto& segment : segments_) out.push_back(segment->span());
    return out;
}

KvSlot KvSequence::slot_of(std::size_t index) const {
    const std::size_t block_size = pool_->layout().block_size;
    for (const auto& segment : segments_) {
        if (index < segment->length()) {
            return KvSlot{segment->blocks()[index / block_size],
                          static_cast<std::uint32_t>(index % block_size),
                          segment->position_offset() + static_cast<std::int64_t>(index)};
        }
        index -= segment->length();
    }
    BRAID_ASSERT(false, "slot_of past the sequence's end");
    return KvSlot{};
}

std::size_t KvSequence::length() const {
    std::size_t n = 0;
    for (const auto& segment : segments_) n += segment->length();
    return n;
}

std::vector<std::int32_t> KvSequence::tokens() const {
    std::vector<std::int32_t> out;
    out.reserve(length());
    for (const auto& segment : segments_) {
        out.insert(out.end(), segment->token_ids().begin(), segment->token_ids().end());
    }
    return out;
}

}  // namespace braid::backends::local
