#pragma once
// OpenAIBackend: a Backend that calls an OpenAI-compatible server (OpenAI, vLLM, SGLang,
// llama.cpp's server, proxies) over HTTP through CurlMultiAsio.
//
// - Chat Completions when the request has messages, legacy Completions otherwise; streaming
//   (SSE, usage requested with stream_options.include_usage) or not, per OpenAIOptions::stream.
//   A server that answers a streamed request with plain JSON is accepted.
// - Runs on the caller's executor, which must be the CurlMultiAsio's. on_chunk gets choice 0's
//   text live, in order (see delivery_gate.hpp for what happens across retries).
// - Faults: 408/409/429/5xx, connection failures, timeouts, streams cut short and retryable error
//   objects inside a stream are retried (retry_policy.hpp), at most RetryPolicy::max_retries
//   times, within the total timeout. A failed attempt never contributes usage or text.
// - Timeouts: connect, first byte, idle gap inside a stream (per attempt) and total (the whole
//   call, waits between retries included).
// - At most max_concurrency requests are in flight per backend; the rest queue (FIFO).
// - Cancellation (the awaiting coroutine's cancellation slot) stops the transfer at once, also
//   while queued or waiting to retry, and returns ErrorCode::cancelled.
// - Usage: the server's, or estimate_tokens() of prompt and text when the server sent none.
//   Cost: cost_usd(model_for(request), usage) from the price table; the caller charges it.
// - Secrets: the API key is sent only in the Authorization header. It is never logged, never in
//   request JSON; Error messages name URLs without user-info or query (loggable_url) and pass
//   through redact() before they are returned. The caller must keep OpenAIOptions (and the
//   environment variable it read the key from) out of anything it stores.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"
#include "backends/openai/concurrency_limit.hpp"
#include "backends/openai/curl_multi_asio.hpp"
#include "core/price_table.hpp"
#include "backends/openai/retry_policy.hpp"

namespace braid::backends::openai {

struct OpenAITimeouts {
    std::chrono::milliseconds connect{10'000};
    std::chrono::milliseconds first_byte{120'000};  // until the response starts (prefill included)
    std::chrono::milliseconds idle{60'000};         // longest silence inside a response
    std::chrono::milliseconds total{600'000};       // the whole call, retries included; 0 = none
};

struct OpenAIOptions {
    std::string base_url = "http://127.0.0.1:8000/v1";  // without the endpoint path
    std::string model;                                  // used when a request names none
    std::string api_key;  // secret: read by the caller from the variable named by --api-key-env
    bool stream = true;
    OpenAITimeouts timeouts;
    RetryPolicy retry;
    std::size_t max_concurrency = 64;
    PriceTable prices;
    std::vector<std::string> extra_headers;  // "Name: value", sent on every request
};

// n completions of one request; `usage` is the exact total over every HTTP request made, and the
// completions' own usages add up to it (prompt tokens on the first choice of each request,
// completion tokens split in proportion to the estimated length of each choice).
struct CompletionSet {
    struct Failure {
        std::size_t index;  // the choice that has no completion
        Error error;
    };
    std::vector<Completion> completions;  // in choice order, failed choices left out
    std::vector<Failure> failed;          // choices whose emulating request failed
    Usage usage;                          // of the completions returned
    Usage failed_attempts_usage;          // billed by accepted attempts that failed (estimated)
    double latency_ms = 0;
    // Choices requested by extra requests because the server ignored or refused n.
    std::size_t emulated = 0;
};

struct OpenAIStats {
    std::size_t http_requests = 0;  // attempts sent, retries included
    std::size_t retries = 0;
    std::size_t usage_estimated = 0;  // responses without server usage
    Usage failed_attempts_usage;      // billed by accepted attempts that then failed (estimated)
};

// The API key from the environment variable `env_var` (what --api-key-env names). Errors
// (invalid_input) name the variable, never a value: unset or empty. A string that is not a valid
// variable name (perhaps the key itself, passed by mistake) is not echoed.
Result<std::string> read_api_key(std::string_view env_var);

class OpenAIBackend final : public Backend {
public:
    using ChoiceSink = std::function<void(std::size_t choice, std::string_view piece)>;

    // `http` is not owned and must outlive this backend; both live on the same executor.
    OpenAIBackend(CurlMultiAsio& http, OpenAIOptions options);

    std::string_view name() const override { return "openai"; }
    asio::awaitable<Result<Completion>> complete(CompletionRequest request,
                                                 ChunkSink on_chunk) override;

    // n choices via the server's `n`; when it returns fewer, the rest come from parallel requests
    // with n = 1, choice i seeded seed + i (identical seeds would give identical samples).
    // `on_chunk` gets every choice's text live. A server that answers n > 1 with 400 or 422 is
    // remembered as refusing n, and n is emulated from then on. When an emulating request fails,
    // its choice is listed in `failed` and the rest still come back with their usage; the call
    // fails only when the first request fails (then no completion exists).
    asio::awaitable<Result<CompletionSet>> complete_n(CompletionRequest request, std::size_t n,
                                                      ChoiceSink on_chunk = {});

    std::string model_for(const CompletionRequest& request) const;
    double cost_usd(std::string_view model, const Usage& usage) const {
        return options_.prices.cost_usd(model, usage);
    }
    const PriceTable& prices() const { return options_.prices; }
    const OpenAIStats& stats() const { return stats_; }
    std::size_t queued() const { return limit_.waiting(); }

    // `text` with every occurrence of the API key replaced by "[redacted]".
    std::string redact(std::string_view text) const;

private:
    struct Outcome;
    asio::awaitable<Outcome> request_with_retries(CompletionRequest request, std::int64_t n,
                                                  ChoiceSink sink,
                                                  std::chrono::steady_clock::time_point deadline);
    std::vector<std::string> headers() const;
    Usage counted_usage(const CompletionRequest& request,
                        const std::vector<Completion>& choices) const;

    CurlMultiAsio& http_;
    OpenAIOptions options_;
    ConcurrencyLimit limit_;
    Backoff backoff_;
    OpenAIStats stats_;
    bool n_refused_ = false;  // the server answered n > 1 with 400/422 and n = 1 with success
};

}  // namespace braid::backends::openai
