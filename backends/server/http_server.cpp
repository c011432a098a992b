#include "backends/server/http_server.hpp"

#include <exception>

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "backends/server/connection.hpp"
#include "backends/server/server_state.hpp"

namespace braid::backends::server {

using openai_wire::ApiError;

namespace {

// After a failed accept (out of file descriptors, say) wait before trying again instead of
// spinning on the error.
constexpr std::chrono::milliseconds accept_retry_delay{50};

void log_exception(const Logger& log, const char* where, std::exception_ptr error) {
    if (!error) return;
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        log.error("serve: %s ended with an exception: %s", where, e.what());
    } catch (...) {
        log.error("serve: %s ended with a non-standard exception", where);
    }
}

// Over max_connections: answer 503 without reading anything and close. The reply is tiny and the
// socket fresh, so one non-blocking write fits in its send buffer; failure to send is ignored
// because the client is being turned away either way.
void turn_away(asio::ip::tcp::socket& socket) {
    ApiError busy{503, "Too many connections; retry later.", "server_error", "",
                  "server_overloaded"};
    std::string response = render_error_response(busy, false);
    std::error_code ignored;
    socket.non_blocking(true, ignored);
    asio::write(socket, asio::buffer(response), ignored);
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> state) {
    constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);
    asio::steady_timer backoff(state->executor);
    for (;;) {
        auto [ec, socket] = co_await state->acceptor.async_accept(use_tuple);
        if (state->stopping) co_return;
        if (ec) {
            state->options.log.warn("serve: accept failed: %s", ec.message().c_str());
            backoff.expires_after(accept_retry_delay);
            auto [wait_ec] = co_await backoff.async_wait(use_tuple);
            (void)wait_ec;
            continue;
        }
        if (state->connections.size() >= state->options.max_connections) {
            turn_away(socket);
            continue;
        }
        std::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto conn = std::make_shared<Connection>(std::move(socket), state);
        auto session = Connection::serve(std::move(conn));
        auto on_end = [state](std::exception_ptr error) {
            log_exception(state->options.log, "a connection", error);
        };
        asio::co_spawn(state->executor, std::move(session), on_end);
    }
}

void stop_on_executor(const std::shared_ptr<ServerState>& state, std::chrono::milliseconds drain) {
    if (state->stopping) return;
    state->stopping = true;
    std::error_code ignored;
    state->acceptor.close(ignored);
    // Closing does not destroy a Connection (its coroutines still hold it), so the map is stable.
    for (auto& [id, conn] : state->connections)
        if (!conn->busy() || drain.count() == 0) conn->close();
    if (state->connections.empty() || drain.count() == 0) return;
    state->drain_timer.expires_after(drain);
    state->drain_timer.async_wait([state](std::error_code ec) {
        if (ec) return;  // every connection ended before the drain period did
        for (auto& [id, conn] : state->connections) conn->close();
    });
}

}  // namespace

HttpServer::HttpServer(asio::any_io_executor executor, Backend& backend, ServerOptions options)
    : state_(std::make_shared<ServerState>(executor, backend, std::move(options))) {}

HttpServer::~HttpServer() {
    stop();
}

Result<void> HttpServer::start() {
    ServerState& s = *state_;
    BRAID_ASSERT(!s.acceptor.is_open(), "HttpServer::start called twice");
    std::string host = s.options.host == "localhost" ? "127.0.0.1" : s.options.host;
    std::error_code ec;
    asio::ip::address address = asio::ip::make_address(host, ec);
    if (ec)
        return make_error(ErrorCode::invalid_input,
                          "braid serve: host '" + host + "' is not an IP address");
    asio::ip::tcp::endpoint endpoint(address, s.options.port);
    std::string where = host + ":" + std::to_string(s.options.port);
    s.acceptor.open(endpoint.protocol(), ec);
    if (!ec) s.acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) s.acceptor.bind(endpoint, ec);
    if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::error_code ignored;
        s.acceptor.close(ignored);
        return make_error(ErrorCode::io,
                          "braid serve: cannot listen on " + where + ": " + ec.message());
    }
    port_ = s.acceptor.local_endpoint(ec).port();
    auto loop = accept_loop(state_);
    auto on_end = [state = state_](std::exception_ptr error) {
        log_exception(state->options.log, "the accept loop", error);
    };
    asio::co_spawn(s.executor, std::move(loop), on_end);
    return {};
}

void HttpServer::stop(std::chrono::milliseconds drain) {
    auto stop_now = [state = state_, drain] { stop_on_executor(state, drain); };
    asio::post(state_->executor, stop_now);
}

std::size_t HttpServer::connections() const {
    return state_->connections.size();
}

std::size_t HttpServer::generations() const {
    return state_->active_generations;
}

}  // namespace braid::backends::server
