#pragma once
// Attention over the paged KV cache, fp32, for a batch of query rows that may belong to different
// sequences (batched decode and chunked prefill in one call).
//
// Each row brings its own query (all heads), its own position and its own context: the list of
// SegmentSpans of its sequence or view (KvSequence::spans(), KvView::spans()). The kernel walks
// segments → blocks → slots straight in the BlockPool, never building a contiguous copy:
//
//   for each (row, kv head):               // parallel over rows × kv heads with the ThreadPool
//     for each span in row.context:
//       q' = span.query_shift() == 0 ? q : rope(q, -span.query_shift())   // Hogwild! placement
//       for each block of the span (for_each_block):
//         visible slots: logical position (span.position + i) <= row.position   // causal mask
//         scores = q'·K[slot] * scale for the GQA group's query heads
//         online softmax update (running max, running sum, rescaled accumulator of V)
//
// - GQA: query head h reads kv head h / (n_heads / n_kv_heads); each K/V row is loaded once for
//   the whole group of query heads that share it.
// - Causality is by position, not by order: a key is visible iff its logical position is <= the
//   query's. Multiverse's parallel paths all start at the same position, so positions alone could
//   not keep path 2 from seeing path 1 — but a path's context simply does not contain the other
//   paths' segments (KvSequence::fork(ForkMode::new_segment)), so no extra mask is needed. After a
//   merge the continuation sits after the longest path, so it sees every path.
// - Hogwild!: keys of a span are rotated at span.key_position + i while the span sits at
//   span.position + i; the query is rotated by -(position - key_position) for that span, so
//   q·k depends on the logical distance only. That needs `inv_freq` (rope.hpp); it may be empty
//   when every span has query_shift() == 0.
// - A row whose context has no visible key gets an all-zero output.
// - Numerics: fp32 throughout, base-e online softmax (max-subtracted), so long contexts neither
//   overflow nor lose the small terms.
//
// Thread-safety: reads the pool's block contents; the caller must not change the segments of any
// row's context (appends, forks that copy) during the call. Outputs must not overlap.

#include <cstddef>
#include <cstdint>
#include <span>

#include "backends/local/cpu/isa.hpp"
#include "backends/local/kv/block_pool.hpp"
#include "backends/local/kv/segment.hpp"

namespace braid::backends::local {

class ThreadPool;

struct AttentionShape {
    std::size_t n_heads = 0;     // query heads
    std::size_t n_kv_heads = 0;  // must divide n_heads
    std::size_t head_dim = 0;    // must equal the pool's head_dim
    std::size_t layer = 0;       // which layer of the pool's blocks to read
    float scale = 0.0f;          // > 0; usually 1 / sqrt(head_dim)
};

struct AttentionRow {
    const float* q = nullptr;     // [n_heads * head_dim], RoPE-rotated at `position`
    std::int64_t position = 0;    // the query token's logical position
    std::span<const SegmentSpan> context;
    float* out = nullptr;         // [n_heads * head_dim]
};

void attention(const BlockPool& kv, const AttentionShape& shape, std::span<const AttentionRow> rows,
               std::span<const float> inv_freq = {}, ThreadPool* pool = nullptr,
               Isa isa = best_isa());

}  // namespace braid::backends::local
