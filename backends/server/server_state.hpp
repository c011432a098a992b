#pragma once
// ServerState: what the accept loop and every connection of one HttpServer share. Internal to
// backends/server/. Owned jointly (shared_ptr) by the HttpServer and its coroutines, because
// connections may outlive the HttpServer object while they finish. Touched only on `executor`.

#include <cstdint>
#include <unordered_map>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include "backends/server/http_server.hpp"

namespace braid::backends::server {

class Connection;

struct ServerState {
    ServerState(asio::any_io_executor ex, Backend& b, ServerOptions o)
        : executor(ex), backend(b), options(std::move(o)), acceptor(ex), drain_timer(ex) {}

    asio::any_io_executor executor;
    Backend& backend;  // borrowed
    ServerOptions options;
    asio::ip::tcp::acceptor acceptor;
    asio::steady_timer drain_timer;  // closes what is left when stop()'s drain period ends
    std::unordered_map<std::uint64_t, Connection*> connections;  // live connections, not owned
    std::uint64_t next_connection_id = 0;
    std::uint64_t next_response_id = 0;
    std::size_t active_generations = 0;  // choices of the requests in flight
    std::uint64_t completion_requests = 0;  // completion requests that reached the backend
    bool stopping = false;
};

}  // namespace braid::backends::server
