#include "backends/server/http_request_parser.hpp"

#include <algorithm>

namespace braid::backends::server {

namespace {

constexpr int status_bad_request = 400;
constexpr int status_payload_too_large = 413;
constexpr int status_uri_too_long = 414;
constexpr int status_header_fields_too_large = 431;
constexpr int status_not_implemented = 501;
constexpr int status_version_not_supported = 505;
constexpr std::size_t max_content_length_digits = 18;  // fits in int64 without overflow
constexpr std::size_t max_chunk_size_digits = 15;      // hex digits: fits in int64
constexpr std::size_t max_chunk_line_bytes = 4096;     // a size line with its extensions

bool is_tchar(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return c != 0 &&
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return is_tchar(static_cast<unsigned char>(c));
    });
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// True if the comma-separated list `value` contains `token` (case-insensitive).
bool list_contains(std::string_view value, std::string_view token) {
    while (!value.empty()) {
        std::size_t comma = value.find(',');
        std::string_view item = trim_ows(value.substr(0, comma));
        if (iequals(item, token)) return true;
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return false;
}

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
    for (const HttpHeader& h : headers)
        if (iequals(h.name, name)) return &h.value;
    return nullptr;
}

std::string_view HttpRequest::path() const {
    std::string_view t = target;
    return t.substr(0, t.find('?'));
}

bool HttpRequest::keep_alive() const {
    const std::string* connection = header("connection");
    if (version_minor == 0) return connection && list_contains(*connection, "keep-alive");
    return !(connection && list_contains(*connection, "close"));
}

bool HttpRequest::expects_continue() const {
    const std::string* expect = header("expect");
    return expect && iequals(trim_ows(*expect), "100-continue");
}

HttpRequestParser::HttpRequestParser(HttpLimits limits) : limits_(limits) {}

void HttpRequestParser::reset() {
    state_ = State::request_line_and_headers;
    head_.clear();
    scan_from_ = 0;
    body_expected_ = 0;
    chunked_ = false;
    chunk_phase_ = ChunkPhase::size_line;
    chunk_left_ = 0;
    line_.clear();
    trailer_bytes_ = 0;
    request_ = HttpRequest{};
    error_ = HttpParseError{};
}

void HttpRequestParser::fail(int status, std::string message) {
    state_ = State::failed;
    error_ = HttpParseError{status, std::move(message)};
}

std::size_t HttpRequestParser::feed(std::string_view data) {
    std::size_t consumed = 0;
    if (state_ == State::request_line_and_headers) consumed += feed_head(data);
    if (state_ == State::body && chunked_) return consumed + feed_chunked(data.substr(consumed));
    if (state_ == State::body) {
        std::size_t take = std::min(body_expected_ - request_.body.size(), data.size() - consumed);
        request_.body.append(data.substr(consumed, take));
        consumed += take;
        if (request_.body.size() == body_expected_) state_ = State::complete;
    }
    return consumed;
}

std::size_t HttpRequestParser::feed_head(std::string_view data) {
    std::size_t consumed = 0;
    // RFC 9112 §2.2: a server should ignore empty lines received before the request line.
    if (head_.empty())
        while (consumed < data.size() && (data[consumed] == '\r' || data[consumed] == '\n'))
            ++consumed;
    if (consumed == data.size()) return consumed;

    std::size_t old_size = head_.size();
    std::size_t room = limits_.max_header_bytes - old_size;
    std::size_t take = std::min(room, data.size() - consumed);
    head_.append(data.substr(consumed, take));

    // Look for the empty line that ends the header block: a '\n' followed by "\n" or "\r\n".
    std::size_t end = std::string::npos;
    for (std::size_t i = scan_from_; i < head_.size(); ++i) {
        if (head_[i] != '\n') continue;
        if (i + 1 < head_.size() && head_[i + 1] == '\n') {
            end = i + 2;
            break;
        }
        if (i + 2 < head_.size() && head_[i + 1] == '\r' && head_[i + 2] == '\n') {
            end = i + 3;
            break;
        }
    }
    if (end == std::string::npos) {
        // Resume two bytes back next time: the terminator may straddle two feeds.
        scan_from_ = head_.size() >= 2 ? head_.size() - 2 : 0;
        std::size_t first_line_end = head_.find('\n');
        std::size_t first_line =
            first_line_end == std::string::npos ? head_.size() : first_line_end;
        if (first_line > limits_.max_request_line_bytes)
            fail(status_uri_too_long, "request line exceeds " +
                                          std::to_string(limits_.max_request_line_bytes) +
                                          " bytes");
        else if (head_.size() >= limits_.max_header_bytes)
            fail(status_header_fields_too_large,
                 "request headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
        return consumed + take;
    }
    head_.resize(end);
    consumed += end - old_size;
    parse_head();
    return consumed;
}

void HttpRequestParser::parse_head() {
    std::string_view rest = head_;
    bool first = true;
    while (!rest.empty()) {
        std::size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // the blank line that ends the block
        bool ok = first ? parse_request_line(line) : parse_header_line(line);
        if (!ok) return;
        first = false;
    }
    finish_headers();
}

bool HttpRequestParser::parse_request_line(std::string_view line) {
    if (line.size() > limits_.max_request_line_bytes) {
        fail(status_uri_too_long,
             "request line exceeds " + std::to_string(limits_.max_request_line_bytes) + " bytes");
        return false;
    }
    std::size_t sp1 = line.find(' ');
    std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
        fail(status_bad_request, "malformed request line");
        return false;
    }
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method)) {
        fail(status_bad_request, "malformed request method");
        return false;
    }
    bool target_ok = !target.empty() && std::all_of(target.begin(), target.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f;
    });
    if (!target_ok) {
        fail(status_bad_request, "malformed request target");
        return false;
    }
    bool shaped = version.size() == 8 && version.substr(0, 5) == "HTTP/" && version[6] == '.' &&
                  version[5] >= '0' && version[5] <= '9' && version[7] >= '0' && version[7] <= '9';
    if (!shaped) {
        fail(status_bad_request, "malformed HTTP version");
        return false;
    }
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
        fail(status_version_not_supported, "only HTTP/1.0 and HTTP/1.1 are supported");
        return false;
    }
    request_.method = std::string(method);
    request_.target = std::string(target);
    request_.version_minor = version[7] - '0';
    return true;
}

bool HttpRequestParser::parse_header_line(std::string_view line) {
    if (line.front() == ' ' || line.front() == '\t') {
        fail(status_bad_request, "obsolete header line folding is not accepted");
        return false;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
        fail(status_bad_request, "malformed header line");
        return false;
    }
    std::string_view value = trim_ows(line.substr(colon + 1));
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) {
            fail(status_bad_request, "control character in header value");
            return false;
        }
    }
    if (request_.headers.size() >= limits_.max_header_count) {
        fail(status_header_fields_too_large,
             "more than " + std::to_string(limits_.max_header_count) + " headers");
        return false;
    }
    HttpHeader header;
    header.name.reserve(colon);
    for (char c : line.substr(0, colon)) header.name.push_back(lower(c));
    header.value = std::string(value);
    request_.headers.push_back(std::move(header));
    return true;
}

std::size_t HttpRequestParser::feed_chunked(std::string_view data) {
    std::size_t i = 0;
    while (i < data.size() && state_ == State::body) {
        if (chunk_phase_ == ChunkPhase::data) {
            std::size_t take = std::min(chunk_left_, data.size() - i);
            request_.body.append(data.substr(i, take));
            chunk_left_ -= take;
            i += take;
            if (chunk_left_ == 0) chunk_phase_ = ChunkPhase::data_end;
            continue;
        }
        // The other phases read lines.
        std::size_t nl = data.find('\n', i);
        std::size_t end = nl == std::string_view::npos ? data.size() : nl;
        std::size_t limit =
            chunk_phase_ == ChunkPhase::trailers ? limits_.max_header_bytes : max_chunk_line_bytes;
        if (line_.size() + (end - i) > limit) {
            fail(chunk_phase_ == ChunkPhase::trailers ? status_header_fields_too_large
                                                      : status_bad_request,
                 chunk_phase_ == ChunkPhase::trailers ? "request trailers too large"
                                                      : "chunk size line too long");
            return i;
        }
        line_.append(data.substr(i, end - i));
        if (nl == std::string_view::npos) return data.size();
        i = nl + 1;
        std::string_view line = line_;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        switch (chunk_phase_) {
            case ChunkPhase::size_line:
                if (!chunk_size_line(line)) return i;
                break;
            case ChunkPhase::data_end:
                if (!line.empty()) {
                    fail(status_bad_request, "chunk data not followed by CRLF");
                    return i;
                }
                chunk_phase_ = ChunkPhase::size_line;
                break;
            case ChunkPhase::trailers:
                trailer_bytes_ += line_.size() + 1;
                if (trailer_bytes_ > limits_.max_header_bytes) {
                    fail(status_header_fields_too_large, "request trailers too large");
                    return i;
                }
                if (line.empty()) state_ = State::complete;  // trailer fields are ignored
                break;
            case ChunkPhase::data:
                break;
        }
        line_.clear();
    }
    return i;
}

// "SIZE[;ext...]" in hex. Zero ends the body and starts the trailer section.
bool HttpRequestParser::chunk_size_line(std::string_view line) {
    std::string_view size = trim_ows(line.substr(0, line.find(';')));
    bool hex =
        !size.empty() && size.size() <= max_chunk_size_digits &&
        std::all_of(size.begin(), size.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        });
    if (!hex) {
        fail(status_bad_request, "malformed chunk size");
        return false;
    }
    std::uint64_t n = std::stoull(std::string(size), nullptr, 16);
    if (n == 0) {
        chunk_phase_ = ChunkPhase::trailers;
        return true;
    }
    if (n > limits_.max_body_bytes - request_.body.size()) {
        fail(status_payload_too_large,
             "request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
        return false;
    }
    chunk_left_ = static_cast<std::size_t>(n);
    chunk_phase_ = ChunkPhase::data;
    return true;
}

bool HttpRequestParser::finish_headers() {
    if (const std::string* te = request_.header("transfer-encoding")) {
        if (!iequals(trim_ows(*te), "chunked")) {
            fail(status_not_implemented,
                 "unsupported Transfer-Encoding (only chunked is accepted)");
            return false;
        }
        if (request_.header("content-length")) {
            fail(status_bad_request, "Transfer-Encoding and Content-Length together");
            return false;
        }
        if (request_.version_minor == 0) {
            fail(status_bad_request, "chunked framing needs HTTP/1.1");
            return false;
        }
        chunked_ = true;
        state_ = State::body;
        head_.clear();
        head_.shrink_to_fit();
        return true;
    }
    std::optional<std::uint64_t> length;
    for (const HttpHeader& h : request_.headers) {
        if (h.name != "content-length") continue;
        bool digits = !h.value.empty() && h.value.size() <= max_content_length_digits &&
                      std::all_of(h.value.begin(), h.value.end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) {
            fail(status_bad_request, "malformed Content-Length");
            return false;
        }
        std::uint64_t v = std::stoull(h.value);
        if (length && *length != v) {
            fail(status_bad_request, "conflicting Content-Length headers");
            return false;
        }
        length = v;
    }
    std::uint64_t body = length.value_or(0);
    if (body > limits_.max_body_bytes) {
        fail(status_payload_too_large,
             "request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes");
        return false;
    }
    body_expected_ = static_cast<std::size_t>(body);
    request_.body.reserve(body_expected_);
    state_ = body_expected_ == 0 ? State::complete : State::body;
    head_.clear();
    head_.shrink_to_fit();
    return true;
}

}  // namespace braid::backends::server
