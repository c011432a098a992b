#pragma once
// The text-level model interface every backend implements: a request (prompt or chat messages plus
// sampling parameters) in, a streamed completion with usage out.
//
// Contract for implementations:
// - complete() runs on the caller's executor; `on_chunk` is invoked there, in order, with pieces of
//   the completion text as they arrive (the concatenation equals Completion::text).
// - Cancellation arrives through the awaiting coroutine's cancellation slot (first-finish losers,
//   budget stops). A cancelled call stops promptly, releases what it holds and returns
//   ErrorCode::cancelled; it never throws for cancellation.
// - Expected failures (HTTP 429, malformed reply, timeouts) come back as Error values, with
//   `retryable` set where a retry may succeed.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "core/error.hpp"
#include "core/message.hpp"

namespace braid::backends {

struct SamplingParams {
    std::int64_t max_tokens = 4096;
    double temperature = 1.0;
    double top_p = 1.0;
    std::uint64_t seed = 0;
    std::vector<std::string> stop;
    int top_logprobs = -1;  // -1: no logprobs; 0..20: logprobs with that many alternatives
    friend bool operator==(const SamplingParams&, const SamplingParams&) = default;
};

// How a prompt's text splits for a Multiverse reduce (reference/parallel.md §2.3): the prompt is
// prefix + path 0 + ... + path n-1 + suffix, given here as character counts. A backend with KV
// merge (the local engine) places every path right after the prefix, each computed seeing only the
// prefix, and the suffix after the longest path; the paths never attend to each other. Backends
// without it read the prompt as flat text. Only for text-completion requests (no messages).
struct ParallelLayout {
    std::size_t prefix_chars = 0;
    std::vector<std::size_t> path_chars;  // at least two paths; the suffix is the rest
    friend bool operator==(const ParallelLayout&, const ParallelLayout&) = default;
};

struct CompletionRequest {
    std::string model;
    std::string prompt;             // text completion; used when `messages` is empty
    std::vector<Message> messages;  // chat completion when non-empty
    SamplingParams sampling;
    // OpenAI-style tool declarations, as JSON text ("" = none): the `tools` array, `tool_choice`
    // ("" = server default) and `parallel_tool_calls`.
    std::string tools_json;
    std::string tool_choice_json;
    bool parallel_tool_calls = true;
    // Extra request fields passed through to the server unchanged (vLLM/SGLang sampling fields such
    // as top_k, min_p, repetition_penalty), as a JSON object text ("" = none).
    std::string extra_json;
    // Set only for a Multiverse reduce; see ParallelLayout.
    std::optional<ParallelLayout> layout;
    // The stable path of the node that makes the call ("t/calc-1/s2/c0"), when a thread loop
    // makes it. Not part of the request's identity (not in canonical_json) and never sent to a
    // server: it is for logs and for scripted test doubles that play several threads at once.
    std::string origin;

    // Canonical JSON of every field that influences the answer; equal requests give equal text.
    std::string canonical_json() const;
    // The store key of this request: content_hash(canonical_json()).
    std::string key() const;
};

using braid::ToolCall;  // core/message.hpp: assistant messages carry them too

struct TokenLogprob {
    std::string token;
    double logprob = 0;
    std::vector<std::pair<std::string, double>> top;  // alternatives, most likely first
};

struct Completion {
    std::string text;
    std::string finish_reason = "stop";  // "stop", "length", "tool_calls"
    // The stop string that ended the text (it is not part of `text`), when finish_reason is "stop"
    // because of one; "" for an end-of-generation token, a length cap, or a server that does not
    // say which stop matched (vLLM reports `stop_reason`, SGLang `matched_stop`; OpenAI neither).
    std::string stop_sequence;
    std::vector<ToolCall> tool_calls;
    std::vector<TokenLogprob> logprobs;  // when requested and the backend has them
    Usage usage;
    // What attempts that failed before this completion (streams broken mid-way, then retried)
    // were billed for: their prompt and the completion tokens received before the break,
    // estimated with estimate_tokens. Not part of `usage`; the ledger charges both.
    Usage failed_attempts_usage;
    double latency_ms = 0;
    bool from_store = false;  // served from recorded completions, no model call made
};

using ChunkSink = std::function<void(std::string_view)>;

class Backend {
public:
    virtual ~Backend() = default;
    // Short identifier recorded on nodes ("scripted", "symbolic", "replay", "openai").
    virtual std::string_view name() const = 0;
    virtual asio::awaitable<Result<Completion>> complete(CompletionRequest request,
                                                         ChunkSink on_chunk) = 0;
};

// Token count for backends without a tokenizer: one token per run of letters, per run of digits
// and per other non-space character. A documented estimate, recorded as such.
std::int64_t estimate_tokens(std::string_view text);
// The end of the estimated token that starts at text[start], a non-space character: a run of
// letters (bytes ≥ 0x80 count as letters), a run of digits, or one other character. The unit
// estimate_tokens counts (the scripted backend's logprobs come one per such piece).
std::size_t estimated_token_end(std::string_view text, std::size_t start);

}  // namespace braid::backends
