#pragma once
// One reasoning thread's generation step: the node's whole life around one completion.
//
//   reserve worst case on the node's budget account (refused → node "skipped", budget_exhausted)
//   → node "running" (event carries the request key) → stream the completion, recording streamed
//   text as `tokens` events in chunks → settle the reservation with actual usage → node "finished"
//   (or "failed" / "cancelled").
//
// Runs on the orchestration executor. Cancellation of the awaiting coroutine reaches the backend
// call; the node is then recorded "cancelled" and ErrorCode::cancelled returned.

#include <asio/awaitable.hpp>

#include "backends/backend.hpp"
#include "core/budget.hpp"
#include "workers/thread_context.hpp"

namespace braid::workers {

struct GenerationStep {
    NodeId node;
    Ledger::AccountId account = 0;
    backends::CompletionRequest request;
    // Also sees every streamed piece, in order, as it arrives (LLMCompiler's streaming plan parser).
    backends::ChunkSink on_chunk;
};

asio::awaitable<Result<backends::Completion>> generate(RunServices& services, GenerationStep step);

// Worst-case amount a request can spend: its prompt estimate plus max_tokens, one sample.
Amount worst_case(const RunServices& services, const backends::CompletionRequest& request);
// What a finished call cost: its tokens, and USD from the run's price table (cached prompt
// tokens at the cached-input price). Both also fill flops (Kinetics eFLOPs) and bytes (its memory
// term) when RunServices::compute describes the model; otherwise those units stay 0.
Amount actual_cost(const RunServices& services, const backends::CompletionRequest& request, const Usage& usage);

}  // namespace braid::workers
