#pragma once
// One HTTP attempt of an OpenAI request, internal to OpenAIBackend: send, read the answer (SSE
// stream or JSON, whichever the server sent), assemble it, and classify failures. Text reaches
// the DeliveryGate as it arrives. Retrying is the caller's job; this only says whether a retry may
// help (Error::retryable) and how long the server asked to wait.

#include <chrono>
#include <optional>

#include <asio/awaitable.hpp>

#include "backends/openai/curl_multi_asio.hpp"
#include "backends/openai/delivery_gate.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "backends/openai_wire/api_response.hpp"

namespace braid::backends::openai {

struct AttemptResult {
    std::optional<openai_wire::ParsedResponse> response;   // set on success
    Error error;                                           // meaningful when `response` is empty
    std::optional<std::chrono::milliseconds> retry_after;  // requested by the server's headers
    int http_status = 0;  // the answer's status when the failure is an HTTP error status
    // A failure after a 2xx head: the server accepted the request and will bill it. Completion
    // tokens received before the failure, estimated with estimate_tokens over their text.
    bool accepted = false;
    std::int64_t partial_completion_tokens = 0;
};

// Failures: the transport's errors (curl_multi_asio.hpp); HTTP status >= 300 as ErrorCode::backend
// with the server's error message, retryable per should_retry_status; a stream that ends before
// every choice finished (and without [DONE]) as a retryable ErrorCode::backend; malformed chunks
// and error objects per StreamAssembler; a retried stream that contradicts delivered text as a
// retryable ErrorCode::backend with gate.diverged() set.
asio::awaitable<AttemptResult> run_attempt(CurlMultiAsio& http, HttpRequest request,
                                           openai_wire::Endpoint endpoint, DeliveryGate& gate);

}  // namespace braid::backends::openai
