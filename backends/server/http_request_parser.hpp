#pragma once
// HttpRequestParser: an incremental HTTP/1.1 request parser (RFC 9112 subset) for braid serve.
//
// Feed it bytes as they arrive; it consumes one request (request line, headers, body framed by
// Content-Length or chunked) and stops. Bytes after the request are not consumed: they belong to
// the next request on a keep-alive connection (pipelining). Pure code without I/O, so it can be
// fuzzed.
//
// Memory is bounded by HttpLimits: the header block (request line + headers) never exceeds
// max_header_bytes, the body never exceeds max_body_bytes. Any byte sequence either completes,
// needs more, or fails with an HTTP status and a one-line reason; the parser never throws on
// input and never asserts on it. Framing: Content-Length, or `Transfer-Encoding: chunked` on
// HTTP/1.1 (chunk extensions and trailers are read and ignored; the decoded body counts against
// max_body_bytes). Any other transfer coding is a 501; Transfer-Encoding together with
// Content-Length is a 400 (a request-smuggling shape). After an error the connection cannot be
// resynchronised and must be closed.
//
// Lenient where RFC 9112 allows: bare LF line endings, empty lines before the request line.
// Strict elsewhere: obs-fold, whitespace before the colon, conflicting Content-Length and
// non-token methods are 400s; versions other than HTTP/1.0 and HTTP/1.1 are 505s.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace braid::backends::server {

struct HttpLimits {
    std::size_t max_header_bytes = 16 * 1024;  // request line + header lines + terminators
    std::size_t max_request_line_bytes = 8 * 1024;
    std::size_t max_header_count = 64;
    std::size_t max_body_bytes = 8 * 1024 * 1024;
};

struct HttpHeader {
    std::string name;   // lower-cased
    std::string value;  // optional whitespace trimmed
};

struct HttpRequest {
    std::string method;     // case-sensitive token, e.g. "GET", "POST"
    std::string target;     // origin-form as sent, query included
    int version_minor = 1;  // HTTP/1.<version_minor>: 0 or 1
    std::vector<HttpHeader> headers;
    std::string body;

    // First header with this name (case-insensitive), or nullptr.
    const std::string* header(std::string_view name) const;
    // The target without its query string.
    std::string_view path() const;
    // HTTP/1.1 keeps the connection unless "Connection: close"; HTTP/1.0 closes unless
    // "Connection: keep-alive".
    bool keep_alive() const;
    // "Expect: 100-continue" was sent.
    bool expects_continue() const;
};

struct HttpParseError {
    int status = 400;     // the HTTP status to answer with
    std::string message;  // one line, safe to echo to the client
};

class HttpRequestParser {
public:
    enum class State { request_line_and_headers, body, complete, failed };

    explicit HttpRequestParser(HttpLimits limits = {});

    // Consumes a prefix of `data` and returns how many bytes it took. Stops consuming once the
    // request is complete or has failed; call reset() before the next request.
    std::size_t feed(std::string_view data);

    State state() const { return state_; }
    bool complete() const { return state_ == State::complete; }
    bool failed() const { return state_ == State::failed; }
    // True once the header block has been parsed (the body may still be arriving).
    bool headers_done() const { return state_ == State::body || state_ == State::complete; }
    // Valid once headers_done(): the request so far (the body is complete only when complete()).
    const HttpRequest& request() const { return request_; }
    // Moves the complete request out; the parser must be reset() before reuse.
    HttpRequest take_request() { return std::move(request_); }
    // Valid when failed().
    const HttpParseError& error() const { return error_; }

    // Forgets everything; ready for the next request on the same connection.
    void reset();

private:
    std::size_t feed_head(std::string_view data);
    std::size_t feed_chunked(std::string_view data);
    bool chunk_size_line(std::string_view line);
    void parse_head();
    bool parse_request_line(std::string_view line);
    bool parse_header_line(std::string_view line);
    bool finish_headers();
    void fail(int status, std::string message);

    HttpLimits limits_;
    State state_ = State::request_line_and_headers;
    std::string head_;           // raw header block received so far (≤ max_header_bytes)
    std::size_t scan_from_ = 0;  // where to resume looking for the blank line in head_
    std::size_t body_expected_ = 0;
    // Chunked bodies: where in the framing the parser is, and the chunk bytes still due.
    enum class ChunkPhase { size_line, data, data_end, trailers };
    bool chunked_ = false;
    ChunkPhase chunk_phase_ = ChunkPhase::size_line;
    std::size_t chunk_left_ = 0;
    std::string line_;  // a size or trailer line not yet terminated
    std::size_t trailer_bytes_ = 0;
    HttpRequest request_;
    HttpParseError error_;
};

}  // namespace braid::backends::server
