#pragma once
// The OpenAI wire format on the server side (reference/ecosystem.md §1): request bodies of
// POST /v1/chat/completions and POST /v1/completions decoded into CompletionRequests, and
// completions rendered back as chat.completion / text_completion objects and error bodies.
// Streaming chunks live in openai_stream.hpp.
//
// Pure functions, no I/O; they never throw on client input. Invalid input yields an ApiError
// (HTTP status 400, type "invalid_request_error", the offending parameter in `param`). Output is
// valid JSON even when backend text is not valid UTF-8 (invalid bytes become U+FFFD).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"

namespace braid::backends::server {

// An OpenAI-shaped error: {"error":{"message","type","param","code"}} with an HTTP status.
struct ApiError {
    int status = 400;
    std::string message;
    std::string type = "invalid_request_error";
    std::string param;  // "" renders as null
    std::string code;   // "" renders as null
};

// Renders `{"error":{...}}`.
std::string render_error(const ApiError& error);

enum class Endpoint { chat_completions, completions };

// A decoded completion request. The server calls the backend prompts.size() × n times: choice
// index p·n + i gets `request` with prompt `prompts[p]` (completions only) and seed + i.
struct ApiRequest {
    Endpoint endpoint = Endpoint::chat_completions;
    CompletionRequest request;         // messages (chat) or prompt = prompts[0] (completions)
    std::vector<std::string> prompts;  // completions: one entry per prompt; chat: empty
    int n = 1;
    bool stream = false;
    bool include_usage = false;  // stream_options.include_usage
    bool logprobs = false;       // logprobs were asked for (request.sampling.top_logprobs ≥ 0)

    std::size_t num_choices() const;
    // The request for choice `index` (0 ≤ index < num_choices()).
    CompletionRequest choice_request(std::size_t index) const;
};

struct DecodeLimits {
    int max_n = 128;                  // n above this is a 400 (OpenAI's bound)
    std::size_t max_choices = 128;    // prompts × n above this is a 400
    std::size_t max_json_depth = 64;  // nesting deeper than this is a 400
};

// Decodes a request body for `endpoint`. Returns the error to send back, or nullopt and fills
// `out`. Defaults follow OpenAI: chat max_tokens = SamplingParams' default, completions 16.
std::optional<ApiError> decode_request(Endpoint endpoint, std::string_view body, ApiRequest& out,
                                       const DecodeLimits& limits = {});

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

// JSON fragments shared with the streaming encoder.
std::string usage_json(const Usage& usage);
// `{"content":[...]}` for chat, `{"tokens",...}` for completions; "null" when empty.
std::string chat_logprobs_json(const std::vector<TokenLogprob>& logprobs);
std::string text_logprobs_json(const std::vector<TokenLogprob>& logprobs);
// Appends `text` as a JSON string literal (quotes included), replacing invalid UTF-8 with U+FFFD.
void append_json_string(std::string& out, std::string_view text);
// Length of the longest prefix of `text` that does not end inside a UTF-8 sequence that the
// following bytes could still complete (streams hold such a tail back until the next piece).
std::size_t complete_utf8_prefix(std::string_view text);

}  // namespace braid::backends::server
