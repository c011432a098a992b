#pragma once
// serve_completion: runs one decoded completion request against the server's backend and writes
// the response on the connection. Internal to backends/server/.
//
// Every choice is one backend call (n > 1 and several prompts run concurrently through
// async::when_all). Streamed responses go out as SSE (openai_wire/stream_encoder.hpp), each
// backend piece written as soon as the socket allows; the HTTP head is sent with the first
// piece, so a backend that fails before producing anything still gets a proper HTTP error
// status. While the backend runs, a watcher reads the socket: a client that disconnects (or a
// write that fails, or a client that falls more than max_stream_backlog_bytes behind) cancels the
// backend calls at once through their cancellation slot, and the connection is closed once they
// have returned.
//
// Backend errors map to OpenAI-shaped errors: invalid_input 400, not_found 404,
// budget_exhausted 429, timeout 504, retryable failures 503 (with Retry-After), others 500.
// A failure after the stream has started is sent as an in-stream `{"error":...}` event followed
// by `data: [DONE]`; one failing choice cancels its siblings.

#include <memory>

#include <asio/awaitable.hpp>

#include "backends/openai_wire/api_error.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "backends/server/connection.hpp"

namespace braid::backends::server {

// Returns whether the connection may serve another request. `chunked`: the client speaks
// HTTP/1.1 (streams use chunked coding); otherwise a stream ends by closing the connection.
asio::awaitable<bool> serve_completion(std::shared_ptr<Connection> conn,
                                       openai_wire::ApiRequest request, bool keep_alive,
                                       bool chunked);

// The OpenAI-shaped error for a backend failure.
openai_wire::ApiError api_error_from(const Error& error);

}  // namespace braid::backends::server
