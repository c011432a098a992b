#include "backends/server/routes.hpp"

#include <nlohmann/json.hpp>

#include "backends/server/completion_handler.hpp"
#include "backends/server/http_response.hpp"
#include "core/clock.hpp"

namespace braid::backends::server {

using openai_wire::ApiError;
using openai_wire::ApiRequest;
using openai_wire::Endpoint;

namespace {

constexpr std::string_view json_type = "application/json";

std::string models_body(const ServerState& server) {
    nlohmann::json model = {{"id", server.options.model_name},
                            {"object", "model"},
                            {"created", now_ms() / 1000},
                            {"owned_by", "braid"}};
    nlohmann::json body = {{"object", "list"}, {"data", nlohmann::json::array({model})}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string method_not_allowed(const HttpRequest& request, std::string_view allowed,
                               bool keep_alive) {
    ApiError error;
    error.status = 405;
    error.message = "Method " + request.method + " is not allowed on " +
                    std::string(request.path()) + "; use " + std::string(allowed) + ".";
    error.code = "method_not_allowed";
    HeaderList extra{{"Allow", std::string(allowed)}};
    return render_http_response(error.status, json_type, openai_wire::render_error(error),
                                keep_alive, extra);
}

}  // namespace

asio::awaitable<bool> handle_request(std::shared_ptr<Connection> conn, HttpRequest request) {
    ServerState& server = conn->server();
    bool keep_alive = request.keep_alive() && !server.stopping;
    std::string_view path = request.path();
    bool get = request.method == "GET";
    std::string response;

    std::optional<Endpoint> endpoint;
    if (path == "/v1/chat/completions") endpoint = Endpoint::chat_completions;
    if (path == "/v1/completions") endpoint = Endpoint::completions;

    if (endpoint && request.method == "POST") {
        ApiRequest api;
        if (std::optional<ApiError> error =
                openai_wire::decode_request(*endpoint, request.body, api, server.options.decode)) {
            response = render_error_response(*error, keep_alive);
        } else {
            bool chunked = request.version_minor >= 1;
            bool keep = co_await serve_completion(conn, std::move(api), keep_alive, chunked);
            co_return keep;
        }
    } else if (endpoint) {
        response = method_not_allowed(request, "POST", keep_alive);
    } else if (path == "/health" || path == "/v1/health") {
        // How many completion requests reached the backend: a client can check that it never
        // asks twice for what it already has (a resumed run).
        const std::string health = R"({"status":"ok","completion_requests":)" +
                                   std::to_string(server.completion_requests) + "}";
        response = get ? render_http_response(200, json_type, health, keep_alive)
                       : method_not_allowed(request, "GET", keep_alive);
    } else if (path == "/v1/models") {
        response = get ? render_http_response(200, json_type, models_body(server), keep_alive)
                       : method_not_allowed(request, "GET", keep_alive);
    } else {
        ApiError error;
        error.status = 404;
        error.message = "Invalid URL (" + request.method + " " + std::string(path) + ")";
        error.code = "not_found";
        response = render_error_response(error, keep_alive);
    }
    bool ok = co_await conn->write(response);
    co_return ok&& keep_alive;
}

}  // namespace braid::backends::server
