#include "backends/openai/curl_transfer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace braid::backends::openai {

namespace {

std::string trim(std::string_view s) {
    auto not_space = [](unsigned char c) { return std::isspace(c) == 0; };
    auto b = std::find_if(s.begin(), s.end(), not_space);
    auto e = std::find_if(s.rbegin(), std::string_view::reverse_iterator(b), not_space).base();
    return std::string(b, e);
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view line(data, size * count);
    t->touch();
    if (line.starts_with("HTTP/")) {  // a new response head (after 1xx, or the first one)
        t->response.head = HttpHead{};
        std::size_t sp = line.find(' ');
        if (sp != std::string_view::npos)
            t->response.head.status = std::strtol(line.data() + sp + 1, nullptr, 10);
        return size * count;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;  // the blank line ending the head
    HttpHeader h{std::string(line.substr(0, colon)), trim(line.substr(colon + 1))};
    for (char& c : h.name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t->response.head.headers.push_back(std::move(h));
    return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::size_t n = size * count;
    t->touch();
    if (!t->success_status()) {
        std::size_t room = t->request.max_error_body_bytes -
                           std::min(t->request.max_error_body_bytes, t->response.error_body.size());
        t->response.error_body.append(data, std::min(room, n));
        return n;
    }
    t->response.body_bytes += n;
    if (!t->sink) return n;
    // Exceptions must not unwind through libcurl's C frames: keep it, abort, rethrow later.
    try {
        if (t->sink(t->response.head, std::string_view(data, n))) return n;
        t->sink_refused = true;
    } catch (...) {
        t->sink_error = std::current_exception();
    }
    return CURL_WRITEFUNC_ERROR;
}

}  // namespace

Error transport_error(const Transfer& t) {
    std::string what = t.error_buffer[0] != '\0' ? t.error_buffer : curl_easy_strerror(t.result);
    std::string where = t.request.method + " " + loggable_url(t.request.url) + ": ";
    switch (t.result) {
        case CURLE_OPERATION_TIMEDOUT:
            return make_error(ErrorCode::timeout, where + what, true);
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return make_error(ErrorCode::backend, where + "connection failed: " + what, true);
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
            return make_error(ErrorCode::invalid_input, where + what, false);
        default:
            return make_error(ErrorCode::backend,
                              where + what + " (curl error " + std::to_string(t.result) + ")",
                              false);
    }
}

void configure(Transfer& t) {
    CURL* e = t.easy.get();
    const HttpRequest& r = t.request;
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, static_cast<void*>(&t));
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, static_cast<void*>(&t));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, static_cast<void*>(&t));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
    if (r.total_timeout.count() > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.total_timeout.count()));
    if (r.method == "GET") {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    }
    for (const std::string& h : r.headers) t.header_list.append(h);
    // No "Expect: 100-continue" round trip for larger bodies; servers need not support it.
    t.header_list.append("Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.header_list.get());
}

}  // namespace braid::backends::openai
