#include "backends/server/connection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "backends/server/http_response.hpp"
#include "backends/server/routes.hpp"

namespace braid::backends::server {

using openai_wire::ApiError;

namespace {

constexpr std::size_t read_chunk_bytes = 8 * 1024;
// After the last response on a connection the server half-closes and reads until the client
// closes too, so a client still sending (say, an oversized body) sees the response instead of a
// reset. Bounded in time and bytes.
constexpr std::chrono::milliseconds linger_timeout{1000};
constexpr std::size_t max_linger_bytes = 1024 * 1024;

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

std::string render_error_response(const ApiError& error, bool keep_alive) {
    HeaderList extra;
    if (error.status == 429 || error.status == 503) extra.emplace_back("Retry-After", "1");
    return render_http_response(error.status, "application/json", openai_wire::render_error(error),
                                keep_alive, extra);
}

asio::awaitable<bool> write_error(Connection& conn, ApiError error, bool keep_alive) {
    std::string response = render_error_response(error, keep_alive);
    bool ok = co_await conn.write(response);
    co_return ok;
}

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<ServerState> server)
    : socket_(std::move(socket)),
      server_(std::move(server)),
      id_(server_->next_connection_id++),
      watchdog_timer_(server_->executor),
      read_buffer_(std::make_unique<char[]>(read_chunk_bytes)) {
    server_->connections[id_] = this;
}

Connection::~Connection() {
    server_->connections.erase(id_);
    // The drain period of stop() ends early once nothing is left to drain.
    if (server_->stopping && server_->connections.empty()) server_->drain_timer.cancel();
}

void Connection::set_deadline(Clock::time_point deadline) {
    deadline_ = deadline;
    if (deadline < watchdog_timer_.expiry()) watchdog_timer_.cancel();  // wake it to re-arm earlier
}

void Connection::close() {
    if (closed_) return;
    closed_ = true;
    std::error_code ignored;
    socket_.close(ignored);  // aborts pending reads and writes
    watchdog_timer_.cancel();
}

void Connection::cancel_reads() {
    std::error_code ignored;
    socket_.cancel(ignored);
}

asio::awaitable<bool> Connection::write(std::string_view bytes) {
    if (closed_) co_return false;
    Clock::time_point saved = deadline_;
    set_deadline(Clock::now() + server_->options.write_timeout);
    auto [ec, n] =
        co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()), use_tuple);
    set_deadline(saved);
    co_return !ec && !closed_;
}

asio::awaitable<std::error_code> Connection::read_some() {
    if (closed_) co_return asio::error::operation_aborted;
    auto [ec, n] = co_await socket_.async_read_some(
        asio::buffer(read_buffer_.get(), read_chunk_bytes), use_tuple);
    input_.append(read_buffer_.get(), n);
    if (!ec && closed_) co_return asio::error::operation_aborted;
    co_return ec;
}

asio::awaitable<void> Connection::watchdog(std::shared_ptr<Connection> self) {
    while (!self->closed_) {
        Clock::time_point deadline = self->deadline_;
        if (deadline <= Clock::now()) {
            self->server_->options.log.debug("serve: connection %llu passed its deadline; closing",
                                             static_cast<unsigned long long>(self->id_));
            self->close();
            break;
        }
        self->watchdog_timer_.expires_at(deadline);
        auto [ec] = co_await self->watchdog_timer_.async_wait(use_tuple);
        (void)ec;  // expired or re-armed: the loop re-reads the deadline either way
    }
}

asio::awaitable<bool> Connection::read_request(bool first, HttpRequest& out,
                                               HttpParseError& error) {
    const ServerOptions& options = server_->options;
    HttpRequestParser parser(options.http);
    set_deadline(Clock::now() + (first ? options.request_timeout : options.idle_timeout));
    bool started = false;
    bool continue_sent = false;
    for (;;) {
        if (!input_.empty()) {
            if (!started) {
                started = true;
                set_deadline(Clock::now() + options.request_timeout);
            }
            std::size_t used = parser.feed(input_);
            input_.erase(0, used);
            if (parser.failed()) {
                error = parser.error();
                co_return false;
            }
            if (parser.complete()) {
                out = parser.take_request();
                set_deadline(Clock::time_point::max());
                co_return true;
            }
            if (parser.headers_done() && !continue_sent && parser.request().expects_continue()) {
                continue_sent = true;
                bool ok = co_await write(continue_response);
                if (!ok) co_return false;
            }
        }
        std::error_code ec = co_await read_some();
        if (ec) co_return false;
    }
}

asio::awaitable<void> Connection::close_gracefully() {
    if (closed_) co_return;
    std::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    set_deadline(Clock::now() + linger_timeout);
    std::size_t drained = 0;
    while (!closed_ && drained < max_linger_bytes) {
        input_.clear();
        std::error_code ec = co_await read_some();
        if (ec) break;
        drained += input_.size();
    }
    close();
}

asio::awaitable<void> Connection::serve(std::shared_ptr<Connection> self) {
    // The watchdog cannot fail in a way that matters: it only ever closes this socket.
    auto dog = watchdog(self);
    asio::co_spawn(self->server_->executor, std::move(dog), asio::detached);
    bool first = true;
    while (!self->closed_ && !self->server_->stopping) {
        HttpRequest request;
        HttpParseError error;
        error.status = 0;
        bool complete = co_await self->read_request(first, request, error);
        first = false;
        if (!complete) {
            if (error.status != 0) {
                ApiError reply;
                reply.status = error.status;
                reply.message = error.message;
                co_await write_error(*self, std::move(reply), false);
            }
            break;
        }
        self->busy_ = true;
        bool keep = co_await handle_request(self, std::move(request));
        self->busy_ = false;
        if (!keep) break;
    }
    co_await self->close_gracefully();
    self->close();
}

}  // namespace braid::backends::server
