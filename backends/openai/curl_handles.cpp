#include "backends/openai/curl_handles.hpp"

#include <mutex>

#include "core/assert.hpp"

namespace braid::backends::openai {

void ensure_curl_global_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
        BRAID_ASSERT(rc == CURLE_OK, "curl_global_init failed");
    });
}

CurlEasy make_curl_easy() {
    ensure_curl_global_init();
    CurlEasy easy(curl_easy_init());
    BRAID_ASSERT(easy != nullptr, "curl_easy_init failed (out of memory)");
    return easy;
}

CurlMulti make_curl_multi() {
    ensure_curl_global_init();
    CurlMulti multi(curl_multi_init());
    BRAID_ASSERT(multi != nullptr, "curl_multi_init failed (out of memory)");
    return multi;
}

CurlSlist& CurlSlist::operator=(CurlSlist&& other) noexcept {
    if (this != &other) {
        curl_slist_free_all(head_);
        head_ = other.head_;
        other.head_ = nullptr;
    }
    return *this;
}

void CurlSlist::append(const std::string& line) {
    curl_slist* next = curl_slist_append(head_, line.c_str());
    BRAID_ASSERT(next != nullptr, "curl_slist_append failed (out of memory)");
    head_ = next;
}

void CurlSlist::reset() {
    curl_slist_free_all(head_);
    head_ = nullptr;
}

}  // namespace braid::backends::openai
