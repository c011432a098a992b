#pragma once
// Non-streamed responses (chat.completion, text_completion; reference/ecosystem.md §1.2), both
// ways: the server renders completions (render_response), the client parses a body back into
// completions (parse_response). JSON in api_response_json.cpp. Streams: stream_encoder.hpp
// writes them, stream_assembler.hpp reads them.
//
// Both carry per choice: text or message content (null when only tool calls), tool_calls,
// logprobs, finish_reason and the matched stop string as `stop_reason` (vLLM; SGLang's
// `matched_stop` is read too); and the response's usage.
//
// Malformed server output is normal: parsing never throws, it returns ErrorCode::parse (retryable:
// a garbled reply may be transient) naming what was wrong. Rendering never throws either, and its
// output is valid JSON even when backend text is not valid UTF-8 (invalid bytes become U+FFFD).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "core/error.hpp"

namespace braid::backends::openai_wire {

// ---- Rendering (the server) ----

// Identity and time of one response (all its chunks share them).
struct ResponseMeta {
    std::string id;            // "chatcmpl-..." or "cmpl-..."
    std::int64_t created = 0;  // unix seconds
    std::string model;         // echoed from the request
};

// Usage of a whole response: completion tokens of every choice, prompt tokens once per prompt
// (taken from its first choice), as OpenAI bills them.
Usage response_usage(const ApiRequest& request, const std::vector<Completion>& choices);

// The non-streamed response: a chat.completion or text_completion object whose choices are
// `choices` in index order.
std::string render_response(const ApiRequest& request, const ResponseMeta& meta,
                            const std::vector<Completion>& choices);

// ---- Parsing (the client) ----

struct ParsedResponse {
    std::vector<Completion> choices;  // ordered by choice index; usage and latency left empty
    std::optional<Usage> usage;       // the whole response's usage, when the server sent it
};

// A complete (non-streaming) response body. An `error` object in it becomes that Error
// (ErrorCode::backend, retryable per stream_error_retryable).
Result<ParsedResponse> parse_response(std::string_view body, Endpoint endpoint);

}  // namespace braid::backends::openai_wire
