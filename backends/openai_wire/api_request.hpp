#pragma once
// Request bodies of POST /v1/chat/completions and POST /v1/completions (reference/ecosystem.md
// §1.1, §1.5), both ways: the client encodes a CompletionRequest (request_json, in
// api_request_encode_json.cpp), the server decodes a body into an ApiRequest (decode_request, in
// api_request_decode_json.cpp). Pure functions, no I/O, no secrets; they never throw.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"
#include "backends/openai_wire/api_error.hpp"
#include "core/error.hpp"

namespace braid::backends::openai_wire {

// Chat Completions or legacy Completions.
enum class Endpoint { chat_completions, completions };

// Chat when the request has messages, legacy Completions otherwise.
Endpoint endpoint_for(const CompletionRequest& request);
// "/chat/completions" or "/completions", to append to a base URL ending in "/v1".
std::string_view endpoint_path(Endpoint endpoint);

// ---- Encoding (the client) ----

struct WireOptions {
    std::string model;   // resolved model name (the request's, or the backend default)
    bool stream = true;  // also asks for stream_options.include_usage
    std::int64_t n = 1;  // choices per request; sent only when != 1
};

// The JSON request body. Sends: model, messages|prompt, max_tokens (when > 0), temperature, top_p,
// seed (as a non-negative int64: the top bit is dropped), stop (when any), n, stream and
// stream_options, logprobs when top_logprobs >= 0 (chat: true, plus top_logprobs when > 0;
// legacy: the int top_logprobs, 0 = the chosen tokens' logprobs only), tools,
// tool_choice and parallel_tool_calls (chat only, when tools are given). extra_json's fields are
// merged at top level and override generated ones, except model, messages, prompt, n, stream and
// stream_options, which braid controls.
// Errors (invalid_input, not retryable): tools_json not a JSON array, tool_choice_json neither
// JSON nor a bare word, extra_json not a JSON object, tools on a prompt-only request.
Result<std::string> request_json(const CompletionRequest& request, const WireOptions& options);

// ---- Decoding (the server) ----

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
// Invalid input yields an ApiError with HTTP status 400, type "invalid_request_error" and the
// offending parameter in `param`; every rejection says what was expected. Fields braid does not
// interpret are kept in extra_json.
std::optional<ApiError> decode_request(Endpoint endpoint, std::string_view body, ApiRequest& out,
                                       const DecodeLimits& limits = {});

}  // namespace braid::backends::openai_wire
