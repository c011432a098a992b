#pragma once
// HttpServer: serves any Backend as an OpenAI-compatible HTTP/1.1 API (`braid serve`).
//
// Routes: POST /v1/chat/completions and POST /v1/completions (streamed as SSE or not; n > 1 runs
// the backend n times concurrently with seeds seed+i), GET /v1/models (the served model name),
// GET /health. Anything else gets a 404 or 405 with an OpenAI-shaped JSON error.
//
// Runtime: one coroutine per connection on `executor`, which must be single-threaded (an
// io_context run by one thread, or a strand): server state is unlocked. The backend's
// complete() runs on that executor too. A streamed backend chunk is written to the socket as it
// arrives; a client that disconnects cancels its backend call(s) at once, through the call's
// cancellation slot. Keep-alive is the default; "Connection: close" and HTTP/1.0 are honoured.
//
// Limits (ServerOptions): header and body bytes (431/413), connections and concurrent streams
// (503 with a JSON error and Retry-After), a deadline for receiving each request (a client that
// stalls is dropped), for the keep-alive idle wait and for each write. Malformed requests get a
// 4xx JSON error and never disturb other connections.
//
// Ownership: the backend is borrowed. After stop(), keep the backend and the executor's
// io_context alive until the io_context has run out of work (every connection has ended). The
// HttpServer object may be destroyed earlier (its destructor calls stop()), but before its
// io_context.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <asio/any_io_executor.hpp>

#include "backends/backend.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "backends/server/http_request_parser.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace braid::backends::server {

struct ServerOptions {
    std::string host = "127.0.0.1";    // numeric IPv4/IPv6 address, or "localhost"
    std::uint16_t port = 0;            // 0: an ephemeral port; see HttpServer::port()
    std::string model_name = "braid";  // listed by GET /v1/models
    HttpLimits http;
    openai_wire::DecodeLimits decode;
    std::size_t max_connections = 1024;         // further connections get a 503 and are closed
    // Generations (choices: prompts × n) in flight at most, streamed or not: a request that would
    // pass it gets a 503 (retry later), one that asks for more on its own a 400.
    std::size_t max_concurrent_generations = 1024;
    // From a request's first byte (or from accept, for the first request) to its last byte.
    std::chrono::milliseconds request_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
    std::chrono::milliseconds write_timeout{30'000};  // each write to the client
    // A streaming client that reads slower than the backend writes is dropped past this backlog.
    std::size_t max_stream_backlog_bytes = 8 * 1024 * 1024;
    Logger log{LogLevel::warn};
};

struct ServerState;

class HttpServer {
public:
    HttpServer(asio::any_io_executor executor, Backend& backend, ServerOptions options = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and listens, then accepts connections on the executor. Call once, from the thread
    // that runs the executor or before it runs. Errors: ErrorCode::invalid_input (bad host),
    // ErrorCode::io (address in use, permission).
    Result<void> start();
    // The bound port (the ephemeral one when options.port was 0); 0 before start().
    std::uint16_t port() const { return port_; }

    // Stops accepting and closes idle connections at once; requests in flight finish and then
    // their connections close. After `drain`, connections still open are closed, which cancels
    // their backend calls. Safe from any thread (it posts to the executor); idempotent.
    void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(0));

    // Live connections, and generations (choices) in flight. Read on the executor (or after it
    // has stopped).
    std::size_t connections() const;
    std::size_t generations() const;

private:
    std::shared_ptr<ServerState>
        state_;  // shared with every connection coroutine, which may outlive *this
    std::uint16_t port_ = 0;
};

}  // namespace braid::backends::server
