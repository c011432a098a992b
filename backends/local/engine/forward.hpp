#pragma once
// Forward: one batched step of a loaded model on the CPU path, over the paged KV cache.
//
// A step takes a batch of rows; each row is one new token of one sequence. Rows of the same
// sequence must be consecutive and in order (that is how a prefill chunk is written: N rows for
// one sequence). For each sequence the step appends its tokens to the KvSequence (KvSequence::
// append; positions come from the returned KvSlots, never from length()), writes every row's K/V
// for a layer before any row's attention in that layer (so rows of one chunk see each other
// causally), and returns fp32 logits for the rows that ask for them.
//
// Failure: if any sequence cannot get the blocks it needs (budget_exhausted, retryable), the step
// fails before any KV is written and every sequence is unchanged — the scheduler preempts and
// retries. Thread-safety: one step at a time (the scheduler's thread); the kernels use the pool.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backends/local/cpu/thread_pool.hpp"
#include "backends/local/kv/block_pool.hpp"
#include "backends/local/kv/kv_sequence.hpp"
#include "backends/local/model/model_weights.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

struct ForwardRow {
    KvSequence* sequence = nullptr;  // not owned
    std::int32_t token = 0;
    bool want_logits = false;        // usually only a sequence's last row in the step
};

class Forward {
public:
    // `weights` and `pool` must outlive this; `threads` may be null (single-threaded).
    Forward(const ModelWeights& weights, ThreadPool* threads);

    // Runs one step. `logits` receives vocab_size floats per row with want_logits, in row order.
    Result<void> step(std::span<const ForwardRow> rows, std::vector<float>& logits);

    const ModelConfig& config() const;
    // The KV layout this model needs (pass to BlockPool).
    KvLayout kv_layout() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace braid::backends::local
