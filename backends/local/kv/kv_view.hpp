#pragma once
// KvView: an ordered list of shared segments, each placed at a logical position, for attention.
//
// This is the Hogwild! building block (engine.md §4, parallel.md §3): each worker sees the shared
// segments (history, the others' work in progress, its own) in its own order. Keys stay where
// they were written (each segment's stored positions, segment.hpp); the view only decides where
// each segment *sits* in this context:
//
// - Placement::packed: segment k sits right after segment k-1 (the first at `start_position`),
//   so segment k's logical offset is start_position + the lengths of the segments before it.
//   Keys were rotated at the stored positions, so attention rotates the query by
//   -SegmentSpan::query_shift() per segment (the "rotate queries, not keys" trick).
// - Placement::stored: every segment sits at its stored positions (shift 0; Multiverse contexts).
//
// A view holds shared_ptrs, so its segments stay alive while it exists, and it is *live*: spans()
// reads the segments' current lengths, so a segment that grows (a Hogwild! worker appending to its
// own Segment) shows its new tokens, and packed offsets move, at the next call.
// Thread-safety: none (scheduler thread), like Segment.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backends/local/kv/segment.hpp"

namespace braid::backends::local {

class KvView {
public:
    enum class Placement { packed, stored };

    KvView() = default;
    KvView(std::vector<std::shared_ptr<const Segment>> segments, Placement placement,
           std::int64_t start_position = 0);

    // One span per segment, in view order, with the placement applied. Spans are valid until a
    // segment of the view is next modified.
    std::vector<SegmentSpan> spans() const;

    // Logical position of the token that would follow this context: packed → start_position plus
    // every length; stored → the largest segment end (start_position when empty).
    std::int64_t next_position() const;
    std::size_t length() const;  // cached tokens in the view
    std::span<const std::shared_ptr<const Segment>> segments() const { return segments_; }
    Placement placement() const { return placement_; }

private:
    std::vector<std::shared_ptr<const Segment>> segments_;
    Placement placement_ = Placement::packed;
    std::int64_t start_position_ = 0;
};

}  // namespace braid::backends::local
