#pragma once
// The route table of braid serve: one complete HTTP request in, its response written on the
// connection. Internal to backends/server/.
//
//   GET  /health, /v1/health     {"status":"ok"}
//   GET  /v1/models              the served model name
//   POST /v1/chat/completions    completion_handler.hpp
//   POST /v1/completions         completion_handler.hpp
//   anything else                404 (unknown path) or 405 (known path, wrong method)

#include <memory>

#include <asio/awaitable.hpp>

#include "backends/server/connection.hpp"

namespace braid::backends::server {

// Answers `request` on `conn`; returns whether the connection may serve another request.
asio::awaitable<bool> handle_request(std::shared_ptr<Connection> conn, HttpRequest request);

}  // namespace braid::backends::server
