// Error bodies both ways (ecosystem.md §1.4).
#include <algorithm>
#include <cstdlib>

#include "backends/openai_wire/api_error.hpp"
#include "backends/openai_wire/wire_json.hpp"
#include "core/json_text.hpp"
#include "core/utf8.hpp"

namespace braid::backends::openai_wire {

using nlohmann::json;
using wire_json::string_at;

std::string render_error(const ApiError& error) {
    auto null_or = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
    json body = {{"error",
                  {{"message", error.message},
                   {"type", error.type},
                   {"param", null_or(error.param)},
                   {"code", null_or(error.code)}}}};
    return wire_json::dump(body);
}

ApiError parse_error_body(std::string_view body) {
    ApiError out;
    out.status = 0;
    out.type.clear();
    json j = wire_json::parse_lenient(body);
    if (j.is_object()) {
        if (j.contains("error")) return wire_json::parse_error_value(j["error"]);
        if (j.contains("detail")) {
            out.message =
                j["detail"].is_string() ? j["detail"].get<std::string>() : json_text(j["detail"]);
            return out;
        }
        if (j.contains("message")) {
            out.message = string_at(j, "message");
            out.type = string_at(j, "type");
            return out;
        }
    }
    out.message = wire_json::excerpt(body);
    return out;
}

bool stream_error_retryable(const ApiError& error) {
    if (!error.code.empty() && std::all_of(error.code.begin(), error.code.end(),
                                           [](char c) { return c >= '0' && c <= '9'; })) {
        long status = std::strtol(error.code.c_str(), nullptr, 10);
        if (status >= 400 && status < 500) return status == 408 || status == 409 || status == 429;
        return true;
    }
    static constexpr std::string_view client_errors[] = {
        "invalid_request", "authentication", "permission", "not_found",
        "invalid_api_key", "context_length", "unsupported"};
    for (std::string_view bad : client_errors)
        if (error.type.find(bad) != std::string::npos || error.code.find(bad) != std::string::npos)
            return false;
    return true;
}

std::string describe(const ApiError& error) {
    constexpr std::size_t max_message = 500;
    std::string kind = error.type;
    if (!error.code.empty()) kind += (kind.empty() ? "" : "/") + error.code;
    // Cut at a character boundary: half a character would make the Error's message ill-formed.
    std::string_view head = std::string_view(error.message).substr(0, max_message);
    std::string message(head.substr(0, complete_utf8_prefix(head)));
    if (message.empty()) message = "(no message)";
    return kind.empty() ? message : kind + ": " + message;
}

}  // namespace braid::backends::openai_wire
