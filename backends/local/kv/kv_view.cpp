#include "backends/local/kv/kv_view.hpp"

#include <algorithm>
#include <utility>

#include "core/assert.hpp"

namespace braid::backends::local {

KvView::KvView(std::vector<std::shared_ptr<const Segment>> segments, Placement placement,
               std::int64_t start_position)
    : segments_(std::move(segments)), placement_(placement), start_position_(start_position) {
    for (const auto& segment : segments_) BRAID_ASSERT(segment != nullptr, "null segment in view");
}

std::vector<SegmentSpan> KvView::spans() const {
    std::vector<SegmentSpan> out;
    out.reserve(segments_.size());
    std::int64_t next = start_position_;
    for (const auto& segment : segments_) {
        if (placement_ == Placement::stored) {
            out.push_back(segment->span());
        } else {
            out.push_back(segment->span_at(next));
            next += static_cast<std::int64_t>(segment->length());
        }
    }
    return out;
}

std::int64_t KvView::next_position() const {
    std::int64_t next = start_position_;
    for (const auto& segment : segments_) {
        if (placement_ == Placement::stored) {
            next = std::max(next, segment->end_position());
        } else {
            next += static_cast<std::int64_t>(segment->length());
        }
    }
    return next;
}

std::size_t KvView::length() const {
    std::size_t n = 0;
    for (const auto& segment : segments_) n += segment->length();
    return n;
}

}  // namespace braid::backends::local
