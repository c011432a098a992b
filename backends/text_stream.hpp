#pragma once
// Streams a finished text to a ChunkSink the way a model would: line by line (or in fixed-size
// pieces), with an optional delay per piece, stopping at the first stop string and honouring
// cancellation between pieces. Shared by the backends that compute their whole answer up front
// (scripted, symbolic).

#include <chrono>
#include <string>

#include "backends/backend.hpp"

namespace braid::backends {

struct StreamPacing {
    std::chrono::microseconds delay_per_chunk{0};  // 0: no timer at all (instant backend)
    std::size_t max_chunk_chars = 0;               // 0: one chunk per line
};

// Truncates `text` at the earliest of `request.sampling.stop` (the stop string is not included)
// and at max_tokens (estimated), then streams it. Returns the completion with estimated usage,
// or ErrorCode::cancelled if the caller was cancelled mid-stream.
asio::awaitable<Result<Completion>> stream_text(const CompletionRequest& request, std::string text,
                                                StreamPacing pacing, const ChunkSink& on_chunk);

}  // namespace braid::backends
