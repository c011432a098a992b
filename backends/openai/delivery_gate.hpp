#pragma once
// DeliveryGate: keeps the ChunkSink contract ("pieces in order; their concatenation equals the
// completion's text") across retries of a streamed request.
//
// Chunks are delivered live, as they arrive: the dependable choice for callers that act on text
// mid-stream (stop triggers, progress). When a stream breaks and is retried from scratch, text the
// caller already received stands and is never delivered again: the new stream must reproduce it
// byte for byte (checked as it arrives, per choice) before anything new reaches the sink. When it
// does not (a sampled model rarely repeats itself unless seeded), the gate reports divergence and
// the call fails with a retryable error, so the caller restarts with a fresh sink instead of
// holding spliced text. Nothing is buffered beyond one copy of the delivered text.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace braid::backends::openai {

class DeliveryGate {
public:
    using Sink = std::function<void(std::size_t choice, std::string_view piece)>;

    explicit DeliveryGate(Sink sink) : sink_(std::move(sink)) {}

    void begin_attempt();
    // Hands the new part of `piece` to the sink. Returns false (and stays diverged) when the piece
    // contradicts text delivered by an earlier attempt.
    bool deliver(std::size_t choice, std::string_view piece);
    // After an attempt completed: false (diverged) when a choice ended before reproducing what was
    // already delivered for it.
    bool settle(const std::vector<std::size_t>& final_sizes);

    bool diverged() const { return diverged_; }
    std::size_t delivered_bytes() const;

private:
    Sink sink_;
    std::vector<std::string> delivered_;  // per choice, over all attempts
    std::vector<std::size_t> position_;   // per choice, bytes of the current attempt
    bool diverged_ = false;
};

}  // namespace braid::backends::openai
