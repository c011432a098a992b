#pragma once
// The OpenAI wire format (Chat Completions and legacy Completions): request bodies, non-streaming
// response parsing and error bodies. Streams are assembled by StreamAssembler
// (stream_assembler.hpp). The JSON work lives in openai_request_json.cpp and
// openai_response_json.cpp; nothing here does I/O or holds secrets.
//
// Malformed server output is normal: parsing never throws, it returns ErrorCode::parse (retryable:
// a garbled reply may be transient) naming what was wrong.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"
#include "core/error.hpp"

namespace braid::backends::openai {

enum class ApiMode { chat, completions };

// Chat when the request has messages, legacy Completions otherwise.
ApiMode mode_for(const CompletionRequest& request);
// "/chat/completions" or "/completions", to append to a base URL ending in "/v1".
std::string_view endpoint_path(ApiMode mode);

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

struct ParsedResponse {
    std::vector<Completion> choices;  // ordered by choice index; usage and latency left empty
    std::optional<Usage> usage;       // the whole response's usage, when the server sent it
};

// A complete (non-streaming) response body. An `error` object in it becomes that Error.
Result<ParsedResponse> parse_response(std::string_view body, ApiMode mode);

// An error as servers send it: {"error":{"message","type","param","code"}} with `code` a string
// or an int; also {"error":"text"}, {"detail":...} and {"message":...}. Fields absent stay "".
struct ApiErrorInfo {
    std::string message;
    std::string type;
    std::string code;  // an int code is rendered in decimal
};
ApiErrorInfo parse_error_body(std::string_view body);

// Whether an error object received inside a 200 stream is worth retrying: yes, unless its code or
// type names a client error (4xx other than 408/409/429, invalid request, auth, not found, ...).
bool stream_error_retryable(const ApiErrorInfo& info);

// "type/code: message" for Error messages; the message is cut at 500 bytes.
std::string describe(const ApiErrorInfo& info);

}  // namespace braid::backends::openai
