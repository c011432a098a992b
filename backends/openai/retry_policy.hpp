#pragma once
// When and how long to wait before retrying an OpenAI-compatible request (ecosystem.md §1.4,
// copied from the official SDKs):
// - retry 408, 409, 429 and every status >= 500, unless `x-should-retry: true|false` says
//   otherwise; connection failures and timeouts are retried too (the caller decides from
//   Error::retryable);
// - wait what the server asks in `retry-after-ms`, else `retry-after` (float seconds or an HTTP
//   date); a request above the ceiling is not waited for: the call fails at once (retryable) so the
//   caller can fail over instead of sleeping for minutes;
// - otherwise back off min(base·2^k, max) × (1 − U·0.25), U uniform in [0,1) from a seeded
//   generator, so tests see the same delays on every run.

#include <chrono>
#include <cstdint>
#include <ctime>
#include <optional>
#include <random>
#include <string>

#include "backends/openai/curl_multi_asio.hpp"

namespace braid::backends::openai {

struct RetryPolicy {
    int max_retries = 2;  // attempts = 1 + max_retries
    std::chrono::milliseconds base_backoff{500};
    std::chrono::milliseconds max_backoff{8'000};
    std::chrono::milliseconds max_retry_after{60'000};  // ceiling on a server-requested wait
    std::uint64_t jitter_seed = 0x6272616964;           // "braid"
};

// 408/409/429/>=500 are retryable; `x_should_retry` ("true"/"false", may be null) overrides.
bool should_retry_status(long status, const std::string* x_should_retry);

// The wait a response asks for, from retry-after-ms or retry-after (seconds, or an HTTP date
// compared with `now`). nullopt when neither header is present or parsable; a date in the past
// gives zero.
std::optional<std::chrono::milliseconds> requested_retry_delay(const HttpHead& head,
                                                               std::time_t now);

// Exponential backoff with seeded jitter. Not thread-safe (one per backend, on its executor).
class Backoff {
public:
    explicit Backoff(const RetryPolicy& policy)
        : base_(policy.base_backoff), max_(policy.max_backoff), rng_(policy.jitter_seed) {}

    // The delay before retry number `retry` (0 for the first retry).
    std::chrono::milliseconds delay(int retry);

private:
    std::chrono::milliseconds base_;
    std::chrono::milliseconds max_;
    std::mt19937_64 rng_;
};

}  // namespace braid::backends::openai
