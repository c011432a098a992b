#pragma once
// HTTP/1.1 response framing for braid serve: status lines, headers, Content-Length bodies and
// chunked transfer coding for streams. Pure string building, no I/O.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace braid::backends::server {

// The reason phrase of a status code ("OK", "Not Found", ...; "Unknown" for others).
std::string_view reason_phrase(int status);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A complete response with a Content-Length body. `keep_alive` picks the Connection header.
std::string render_http_response(int status, std::string_view content_type, std::string_view body,
                                 bool keep_alive, const HeaderList& extra_headers = {});

// The head of a streamed response: chunked when `chunked` (HTTP/1.1 clients), otherwise the body
// runs until the server closes the connection (HTTP/1.0 clients; keep_alive must then be false).
std::string render_stream_head(int status, std::string_view content_type, bool chunked,
                               bool keep_alive);

// Appends `data` as one chunk of the chunked transfer coding (nothing for empty data: an empty
// chunk would end the body).
void append_chunk(std::string& out, std::string_view data);
// The last chunk that ends a chunked body.
inline constexpr std::string_view last_chunk = "0\r\n\r\n";

// "HTTP/1.1 100 Continue" interim response.
inline constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace braid::backends::server
