#pragma once
// CurlMultiAsio: libcurl's multi interface driven by an Asio event loop. No thread per request:
// curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to wake it
// (CURLMOPT_TIMERFUNCTION); we watch with asio::posix::stream_descriptor::async_wait and one
// asio::steady_timer, and hand readiness back through curl_multi_socket_action. Thousands of
// concurrent transfers cost one socket each and no threads.
//
// Contract:
// - One instance per io_context, used from the thread that runs it (all methods, all callbacks).
//   It must outlive every perform() call it started, or be destroyed first: its destructor ends
//   every transfer still running with an error.
// - perform() adds one transfer and completes when it ends. Body bytes of a 2xx response reach
//   `on_body` in order, on this executor, while the transfer runs (inside libcurl's callback: the
//   sink must not destroy this object). A non-2xx body is collected into HttpResponse::error_body
//   instead (capped). A non-2xx status is not an Error here; the caller interprets it.
// - Cancellation through the awaiting coroutine's cancellation slot removes the easy handle from
//   the multi at once (libcurl closes the unfinished connection) and returns ErrorCode::cancelled.
// - Transport failures come back as Error values: ErrorCode::timeout for the connect, first-byte,
//   idle and total deadlines, ErrorCode::backend for connection failures (both retryable),
//   ErrorCode::invalid_input for a malformed URL. Messages name the method and the URL without
//   user-info or query (they may hold secrets) and never contain request headers.
// - An exception thrown by `on_body` aborts the transfer and is rethrown from perform().

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>

#include "core/error.hpp"

namespace braid::backends::openai {

struct HttpHeader {
    std::string name;   // lower-case
    std::string value;  // surrounding whitespace trimmed
};

struct HttpHead {
    long status = 0;
    std::vector<HttpHeader> headers;
    // The value of the first header named `lower_name`, or nullptr.
    const std::string* find(std::string_view lower_name) const;
};

struct HttpRequest {
    std::string method = "POST";  // "POST" or "GET"
    std::string url;
    // "Name: value" lines. May carry secrets (Authorization): never logged, never in messages.
    std::vector<std::string> headers;
    std::string body;
    // Deadlines; zero means none. first_byte: from the start until the first response byte.
    // idle: the longest gap between received bytes after the first. total: the whole transfer.
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds first_byte_timeout{0};
    std::chrono::milliseconds idle_timeout{0};
    std::chrono::milliseconds total_timeout{0};
    std::size_t max_error_body_bytes = 64 * 1024;
};

struct HttpResponse {
    HttpHead head;
    std::string error_body;      // body of a non-2xx response, at most max_error_body_bytes
    std::size_t body_bytes = 0;  // bytes handed to the sink
};

// Receives the body of a 2xx response piece by piece; returning false aborts the transfer, which
// then ends with an ErrorCode::backend error saying so.
using BodySink = std::function<bool(const HttpHead& head, std::string_view bytes)>;

class CurlMultiAsio {
public:
    explicit CurlMultiAsio(asio::any_io_executor executor);
    ~CurlMultiAsio();
    CurlMultiAsio(const CurlMultiAsio&) = delete;
    CurlMultiAsio& operator=(const CurlMultiAsio&) = delete;

    asio::awaitable<Result<HttpResponse>> perform(HttpRequest request, BodySink on_body);

    std::size_t active_transfers() const;
    const asio::any_io_executor& executor() const;

    class Impl;

private:
    // Shared with every running perform() frame and (weakly) with pending socket and timer
    // handlers, which may run after this object is gone.
    std::shared_ptr<Impl> impl_;
};

// `url` without user-info and without the query string: safe to put in messages.
std::string loggable_url(std::string_view url);

}  // namespace braid::backends::openai
