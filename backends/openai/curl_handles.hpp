#pragma once
// RAII for libcurl's C handles (STYLE rule 14: this is the one header that holds them). Only files
// in backends/openai include it; no CURL* type appears in a header outside this folder.
//
//   CurlEasy   one easy handle (a transfer's options and state); curl_easy_cleanup on destruction.
//   CurlMulti  one multi handle (many transfers, one connection cache); curl_multi_cleanup.
//   CurlSlist  a header list; curl_slist_free_all. It must outlive the transfer that uses it.
//
// curl_global_init is not thread-safe; ensure_curl_global_init() runs it exactly once per process
// (std::call_once) and every handle factory here calls it first.

#include <memory>
#include <string>

#include <curl/curl.h>

namespace braid::backends::openai {

void ensure_curl_global_init();

struct CurlEasyDeleter {
    void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct CurlMultiDeleter {
    void operator()(CURLM* multi) const noexcept { curl_multi_cleanup(multi); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;

// Both factories abort (BRAID_ASSERT) if libcurl cannot allocate a handle: that is out of memory,
// not an expected failure.
CurlEasy make_curl_easy();
CurlMulti make_curl_multi();

class CurlSlist {
public:
    CurlSlist() = default;
    CurlSlist(CurlSlist&& other) noexcept : head_(other.head_) { other.head_ = nullptr; }
    CurlSlist& operator=(CurlSlist&& other) noexcept;
    CurlSlist(const CurlSlist&) = delete;
    CurlSlist& operator=(const CurlSlist&) = delete;
    ~CurlSlist() { curl_slist_free_all(head_); }

    void append(const std::string& line);  // copies `line`; aborts on allocation failure
    curl_slist* get() const { return head_; }
    void reset();

private:
    curl_slist* head_ = nullptr;
};

}  // namespace braid::backends::openai
