#pragma once
// Scheduler: continuous batching of many sequences over one Forward and one BlockPool.
//
// Each step packs, in admission order, one decode row for every running sequence that is
// generating, then prefill *chunks* of sequences that still have prompt tokens to feed, until
// the step's token budget (chunk_tokens) is spent. A sequence's last prompt row asks for logits;
// its TokenPicker then chooses the next token, which becomes that sequence's decode row in the
// next step.
//
// - Admission by free blocks: a waiting sequence is admitted (FIFO) only when the pool's free
//   blocks cover its next chunk plus one block of headroom per running sequence.
// - Preemption: when a step fails with budget_exhausted (Forward changes nothing then), the most
//   recently admitted running sequence loses the KV it wrote (it goes back to the context it was
//   submitted with), and it is requeued at the front of the waiting queue to *recompute*: its
//   prompt plus the tokens it already generated are fed again as a prefill, so its output is
//   unchanged (generated tokens are never re-sampled). A sequence alone that still does not fit
//   fails with budget_exhausted.
// - Cancellation: cancel(id) (or cancelling the coroutine awaiting generate()) drops the sequence
//   at once, so its blocks are back in the pool when cancel returns.
// - Stop conditions per sequence: max_tokens ("length"), end-of-generation tokens
//   (Tokenizer::is_end_of_generation) and stop strings ("stop"). Text streams out through
//   `on_text` (StreamDecoder; stop strings never leak into it).
//
// Threading: everything runs on `executor`. A step is one posted handler, so coroutines awaiting
// results (and new submissions) interleave with steps; no thread per request. The step itself
// blocks that executor while the kernels run on the Forward's ThreadPool. The Forward, pool and
// tokenizer must outlive the Scheduler; destroying it fails every unfinished sequence with
// `cancelled`. Pending step handlers hold only a weak reference, so they are harmless afterwards.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "backends/local/engine/forward.hpp"
#include "backends/local/engine/token_choice.hpp"
#include "backends/local/kv/kv_sequence.hpp"
#include "backends/local/tokenizer/tokenizer.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

struct SchedulerOptions {
    static constexpr std::size_t default_chunk_tokens = 256;
    // Rows per step: decode rows plus prefill chunks.
    std::size_t chunk_tokens = default_chunk_tokens;
};

struct GenerateRequest {
    // The context to continue (moved in); none = an empty sequence in the scheduler's pool.
    std::optional<KvSequence> context;
    std::vector<std::int32_t> prompt;  // fed after the context; non-empty when max_tokens > 0
    TokenPicker pick;                  // required when max_tokens > 0
    std::int64_t max_tokens = 0;       // 0: only feed the prompt (a prefill)
    std::vector<std::string> stop;     // stop strings
    bool stop_at_end_of_generation = true;
    std::function<void(std::string_view)> on_text;  // streamed text, on the executor; may be empty
};

struct GenerateResult {
    std::vector<std::int32_t> tokens;    // generated, an end-of-generation token included
    std::vector<TokenChoice> choices;    // one per generated token
    std::string text;                    // generated text (no end token, no stop string)
    std::string finish_reason = "stop";  // "stop" | "length"
    std::string stop_sequence;           // the stop string that ended the text; "" for none
    // The context after the call: context + prompt + every generated token but the last, which is
    // in `pending` (it has no KV yet; feeding it first continues the sequence exactly).
    std::optional<KvSequence> sequence;
    std::vector<std::int32_t> pending;
};

class Scheduler {
public:
    Scheduler(Forward& forward, BlockPool& pool, const Tokenizer& tokenizer,
              asio::any_io_executor executor, SchedulerOptions options = {});
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Runs one sequence to completion. Errors: invalid_input (bad request), budget_exhausted
    // (the pool cannot hold this sequence even alone), cancelled (the awaiting coroutine was
    // cancelled, or the scheduler was destroyed), and Forward's own errors.
    asio::awaitable<Result<GenerateResult>> generate(GenerateRequest request);

    using SequenceId = std::uint64_t;
    // Cancels a submitted sequence (no-op if unknown or finished); its blocks are freed at once.
    void cancel(SequenceId id);

    // Called when the pool is short of blocks, before admission waits, a sequence is preempted or
    // a lone sequence fails: it frees what it can spare (the prefix cache evicts an entry) and
    // returns false once it has nothing left. Runs on the executor, outside kernels.
    void set_reclaimer(std::function<bool()> reclaim);

    struct Stats {
        std::size_t running = 0, waiting = 0;
        std::uint64_t steps = 0, preemptions = 0, rows = 0;
        std::uint64_t prefill_rows = 0;  // rows that fed prompt (or recomputed) tokens
        std::uint64_t decode_rows = 0;   // rows that fed a just-generated token
    };
    Stats stats() const;
    // The id generate() will give the next submitted sequence (for cancel() from outside).
    SequenceId next_id() const;

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;  // shared with weak_ptrs in posted step handlers
};

}  // namespace braid::backends::local
