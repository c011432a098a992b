#pragma once
// Connection: one accepted TCP connection of braid serve, served by one coroutine (serve()):
// read a request under a deadline, dispatch it (routes.hpp), write the response, repeat while
// keep-alive holds. Internal to backends/server/.
//
// Deadlines are enforced by a watchdog coroutine that closes the socket when the current
// deadline passes, which aborts whatever read or write is pending. Everything runs on the
// server's executor. A Connection is owned jointly (shared_ptr) by serve(), its watchdog and any
// helper coroutine a request handler starts (the client-disconnect watcher).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "backends/openai_wire/api_error.hpp"
#include "backends/server/server_state.hpp"

namespace braid::backends::server {

class Connection {
public:
    using Clock = std::chrono::steady_clock;

    Connection(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> server);
    ~Connection();  // unregisters from the server
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Serves requests until the peer leaves, a response closes the connection, a deadline passes
    // or the server stops. Never throws for network errors.
    static asio::awaitable<void> serve(std::shared_ptr<Connection> self);

    ServerState& server() { return *server_; }

    // Writes all of `bytes` within options.write_timeout; false if the write failed or timed out
    // (the connection is then unusable).
    asio::awaitable<bool> write(std::string_view bytes);
    // Reads what is available into input(); an error (asio::error::eof when the peer closed, or
    // operation_aborted after cancel_reads()/close()) otherwise.
    asio::awaitable<std::error_code> read_some();
    // Bytes received and not yet consumed (the start of the next request, when pipelined).
    std::string& input() { return input_; }
    // Aborts a pending read_some(). Only while no write is in flight (it cancels those too).
    void cancel_reads();
    // Closes the socket now: pending operations abort and serve() ends.
    void close();
    bool closed() const { return closed_; }
    // True between a complete request and the end of its response.
    bool busy() const { return busy_; }

private:
    static asio::awaitable<void> watchdog(std::shared_ptr<Connection> self);
    asio::awaitable<bool> read_request(bool first, HttpRequest& out, HttpParseError& error);
    asio::awaitable<void> close_gracefully();
    void set_deadline(Clock::time_point deadline);

    asio::ip::tcp::socket socket_;
    std::shared_ptr<ServerState> server_;
    std::uint64_t id_;
    asio::steady_timer watchdog_timer_;
    Clock::time_point deadline_ = Clock::time_point::max();
    std::string input_;
    std::unique_ptr<char[]> read_buffer_;
    bool closed_ = false;
    bool busy_ = false;
};

// A complete JSON error response (with Retry-After on 429 and 503).
std::string render_error_response(const openai_wire::ApiError& error, bool keep_alive);
// Writes render_error_response(); false if the write failed.
asio::awaitable<bool> write_error(Connection& conn, openai_wire::ApiError error, bool keep_alive);

}  // namespace braid::backends::server
