#include "backends/server/http_response.hpp"

#include <cstdio>

namespace braid::backends::server {

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 411:
            return "Length Required";
        case 413:
            return "Payload Too Large";
        case 414:
            return "URI Too Long";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

namespace {

void append_status_line(std::string& out, int status) {
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += reason_phrase(status);
    out += "\r\n";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

}  // namespace

std::string render_http_response(int status, std::string_view content_type, std::string_view body,
                                 bool keep_alive, const HeaderList& extra_headers) {
    std::string out;
    out.reserve(160 + body.size());
    append_status_line(out, status);
    append_header(out, "Content-Type", content_type);
    append_header(out, "Content-Length", std::to_string(body.size()));
    append_header(out, "Connection", keep_alive ? "keep-alive" : "close");
    for (const auto& [name, value] : extra_headers) append_header(out, name, value);
    out += "\r\n";
    out += body;
    return out;
}

std::string render_stream_head(int status, std::string_view content_type, bool chunked,
                               bool keep_alive) {
    std::string out;
    append_status_line(out, status);
    append_header(out, "Content-Type", content_type);
    append_header(out, "Cache-Control", "no-cache");
    if (chunked) append_header(out, "Transfer-Encoding", "chunked");
    append_header(out, "Connection", keep_alive ? "keep-alive" : "close");
    out += "\r\n";
    return out;
}

void append_chunk(std::string& out, std::string_view data) {
    if (data.empty()) return;
    char size[24];
    int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    out.append(size, static_cast<std::size_t>(n));
    out += data;
    out += "\r\n";
}

}  // namespace braid::backends::server
