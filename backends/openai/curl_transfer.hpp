#pragma once
// Transfer: one HTTP transfer's state inside CurlMultiAsio, and the libcurl easy-handle setup and
// callbacks that fill it. Internal to backends/openai (curl_multi_asio.cpp is its only user).
//
// The header callback records the status line and headers (names lower-cased) and restarts the
// head on every status line (1xx, then the final one). The body callback hands 2xx bytes to the
// sink and collects other bodies (capped). Any received byte counts as activity for the
// first-byte and idle deadlines. Exceptions from the sink never cross libcurl's C frames: the
// transfer is aborted and the exception kept for perform() to rethrow.

#include <chrono>
#include <exception>

#include <asio/steady_timer.hpp>

#include "backends/openai/curl_handles.hpp"
#include "backends/openai/curl_multi_asio.hpp"

namespace braid::backends::openai {

// One transfer's state, owned by its perform() frame; libcurl reaches it through CURLOPT_PRIVATE.
struct Transfer {
    using Clock = std::chrono::steady_clock;

    explicit Transfer(const asio::any_io_executor& ex) : wake(ex) {}

    CurlEasy easy;
    CurlSlist header_list;
    HttpRequest request;
    BodySink sink;
    HttpResponse response;
    Clock::time_point started;
    Clock::time_point last_activity;
    bool got_first_byte = false;
    bool in_multi = false;
    bool done = false;
    bool shut_down = false;  // ended by the client's destructor
    bool sink_refused = false;
    std::exception_ptr sink_error;
    CURLcode result = CURLE_OK;
    char error_buffer[CURL_ERROR_SIZE] = {};
    asio::steady_timer wake;  // woken (cancelled) when the transfer ends

    bool success_status() const {
        return response.head.status >= 200 && response.head.status < 300;
    }

    // The next instant at which a first-byte or idle deadline would pass.
    Clock::time_point deadline() const {
        if (!got_first_byte)
            return request.first_byte_timeout.count() > 0 ? started + request.first_byte_timeout
                                                          : Clock::time_point::max();
        return request.idle_timeout.count() > 0 ? last_activity + request.idle_timeout
                                                : Clock::time_point::max();
    }
    void touch() {
        last_activity = Clock::now();
        if (got_first_byte) return;
        got_first_byte = true;
        // The deadline may move earlier (first-byte → idle): wake the waiter to re-arm. Later
        // moves need no wake: the waiter re-checks when the old deadline passes.
        wake.cancel();
    }
};

// Sets URL, method, body, headers (plus "Expect:"), timeouts and callbacks on t.easy;
// CURLOPT_PRIVATE points at `t`, which must not move while the transfer runs.
void configure(Transfer& t);

// The transfer's CURLcode as an Error: timeout (retryable), connection failure (backend,
// retryable), malformed URL (invalid_input), anything else (backend, not retryable). The message
// names the method and loggable_url(), never headers.
Error transport_error(const Transfer& t);

}  // namespace braid::backends::openai
