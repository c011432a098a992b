#include "backends/openai/openai_backend.hpp"

#include <cctype>
#include <cstdlib>

#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "backends/openai/openai_attempt.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "core/async.hpp"

namespace braid::backends::openai {

using openai_wire::Endpoint;
using openai_wire::ParsedResponse;
using openai_wire::WireOptions;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::string_view redacted_marker = "[redacted]";

Clock::time_point deadline_after(milliseconds total) {
    return total.count() > 0 ? Clock::now() + total : Clock::time_point::max();
}

double elapsed_ms(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Splits one request's usage over its choices so that the parts add up to it exactly.
void apportion(std::vector<Completion>& choices, const Usage& total) {
    if (choices.empty()) return;
    std::vector<std::int64_t> weight;
    std::int64_t sum = 0;
    for (const Completion& c : choices) {
        weight.push_back(estimate_tokens(c.text) + 1);
        sum += weight.back();
    }
    std::int64_t assigned = 0;
    for (std::size_t i = 0; i < choices.size(); ++i) {
        Usage& u = choices[i].usage;
        u = Usage{};
        u.completion_tokens = i + 1 == choices.size() ? total.completion_tokens - assigned
                                                      : total.completion_tokens * weight[i] / sum;
        assigned += u.completion_tokens;
    }
    choices[0].usage.prompt_tokens = total.prompt_tokens;
    choices[0].usage.cached_prompt_tokens = total.cached_prompt_tokens;
}

}  // namespace

Result<std::string> read_api_key(std::string_view env_var) {
    std::string name(env_var);
    bool valid = !name.empty() && std::isdigit(static_cast<unsigned char>(name[0])) == 0;
    for (char c : name)
        valid = valid && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_');
    // Not echoed: a user who passed the key itself instead of a variable name must not see it
    // printed (and maybe logged).
    if (!valid)
        return make_error(ErrorCode::invalid_input,
                          "the API key variable name is not a valid environment variable name "
                          "(letters, digits, _); the value given is not shown");
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0')
        return make_error(ErrorCode::invalid_input,
                          "environment variable " + name + " (the API key) is not set");
    return std::string(value);
}

OpenAIBackend::OpenAIBackend(CurlMultiAsio& http, OpenAIOptions options)
    : http_(http),
      options_(std::move(options)),
      limit_(http.executor(), options_.max_concurrency),
      backoff_(options_.retry) {
    while (!options_.base_url.empty() && options_.base_url.back() == '/')
        options_.base_url.pop_back();
}

std::string OpenAIBackend::model_for(const CompletionRequest& request) const {
    return request.model.empty() ? options_.model : request.model;
}

std::string OpenAIBackend::redact(std::string_view text) const {
    std::string out(text);
    const std::string& key = options_.api_key;
    if (key.empty()) return out;
    for (std::size_t at = out.find(key); at != std::string::npos;
         at = out.find(key, at + redacted_marker.size()))
        out.replace(at, key.size(), redacted_marker);
    return out;
}

std::vector<std::string> OpenAIBackend::headers() const {
    std::vector<std::string> h{"Content-Type: application/json", options_.stream
                                                                     ? "Accept: text/event-stream"
                                                                     : "Accept: application/json"};
    if (!options_.api_key.empty()) h.push_back("Authorization: Bearer " + options_.api_key);
    h.insert(h.end(), options_.extra_headers.begin(), options_.extra_headers.end());
    return h;
}

Usage OpenAIBackend::counted_usage(const CompletionRequest& request,
                                   const std::vector<Completion>& choices) const {
    Usage u;
    if (request.messages.empty()) {
        u.prompt_tokens = estimate_tokens(request.prompt);
    } else {
        for (const Message& m : request.messages) u.prompt_tokens += estimate_tokens(m.content);
    }
    for (const Completion& c : choices) {
        u.completion_tokens += estimate_tokens(c.text);
        for (const ToolCall& call : c.tool_calls)
            u.completion_tokens += estimate_tokens(call.name) + estimate_tokens(call.arguments);
    }
    return u;
}

struct OpenAIBackend::Outcome {
    Result<ParsedResponse> response = make_error(ErrorCode::internal, "no attempt made");
    int http_status = 0;          // of the last attempt, when it failed with an HTTP status
    Usage failed_attempts_usage;  // billed by accepted attempts that then failed (estimated)
};

asio::awaitable<OpenAIBackend::Outcome> OpenAIBackend::request_with_retries(
    CompletionRequest request, std::int64_t n, ChoiceSink sink, Clock::time_point deadline) {
    co_await asio::this_coro::throw_if_cancelled(false);
    const Endpoint endpoint = openai_wire::endpoint_for(request);
    WireOptions wire{model_for(request), options_.stream, n};
    Outcome out;
    auto done = [&out](Result<ParsedResponse> response, int status = 0) {
        out.response = std::move(response);
        out.http_status = status;
        return std::move(out);
    };
    if (wire.model.empty())
        co_return done(make_error(ErrorCode::invalid_input,
                                  "OpenAI request: no model named and no default model"));
    Result<std::string> body = openai_wire::request_json(request, wire);
    if (!body) co_return done(std::move(body).error());
    const std::int64_t prompt_estimate = counted_usage(request, {}).prompt_tokens;

    HttpRequest base;
    base.url = options_.base_url + std::string(openai_wire::endpoint_path(endpoint));
    base.headers = headers();
    base.body = std::move(*body);
    base.connect_timeout = options_.timeouts.connect;
    base.first_byte_timeout = options_.timeouts.first_byte;
    base.idle_timeout = options_.timeouts.idle;

    DeliveryGate gate(std::move(sink));
    asio::steady_timer pause(http_.executor());
    for (int retry = 0;; ++retry) {
        if (co_await async::cancelled())
            co_return done(make_error(ErrorCode::cancelled, "OpenAI request cancelled"));
        Result<ConcurrencyLimit::Permit> permit = co_await limit_.acquire();
        if (!permit) co_return done(std::move(permit).error());
        HttpRequest attempt = base;
        if (deadline != Clock::time_point::max()) {
            auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now());
            if (left.count() <= 0)
                co_return done(
                    make_error(ErrorCode::timeout, "OpenAI request: total timeout passed", true));
            attempt.total_timeout = left;
        }
        gate.begin_attempt();
        ++stats_.http_requests;
        AttemptResult result = co_await run_attempt(http_, std::move(attempt), endpoint, gate);
        permit->release();
        if (result.response) co_return done(std::move(*result.response));
        if (result.accepted) {
            Usage billed{prompt_estimate, result.partial_completion_tokens, 0};
            out.failed_attempts_usage += billed;
            stats_.failed_attempts_usage += billed;
        }

        Error error = std::move(result.error);
        if (error.code == ErrorCode::cancelled || !error.retryable || gate.diverged())
            co_return done(std::move(error), result.http_status);
        int attempts = retry + 1;
        if (retry >= options_.retry.max_retries)
            co_return done(std::move(error).with_context("gave up after " +
                                                         std::to_string(attempts) + " attempts"),
                           result.http_status);
        milliseconds wait = result.retry_after ? *result.retry_after : backoff_.delay(retry);
        if (result.retry_after && wait > options_.retry.max_retry_after)
            co_return done(std::move(error).with_context(
                "server asked to retry after " + std::to_string(wait.count()) +
                " ms, above the ceiling of " +
                std::to_string(options_.retry.max_retry_after.count()) + " ms"));
        if (deadline != Clock::time_point::max() && Clock::now() + wait >= deadline)
            co_return done(
                std::move(error).with_context("no time left in the total timeout to retry"));
        pause.expires_after(wait);
        auto [ec] = co_await pause.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
        if (ec)
            co_return done(make_error(ErrorCode::cancelled,
                                      "OpenAI request cancelled while waiting to retry"));
        ++stats_.retries;
    }
}

asio::awaitable<Result<Completion>> OpenAIBackend::complete(CompletionRequest request,
                                                            ChunkSink on_chunk) {
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto start = Clock::now();
    ChoiceSink sink;
    if (on_chunk) {
        sink = [on_chunk = std::move(on_chunk)](std::size_t choice, std::string_view piece) {
            if (choice == 0) on_chunk(piece);
        };
    }
    Outcome outcome = co_await request_with_retries(request, 1, std::move(sink),
                                                    deadline_after(options_.timeouts.total));
    if (!outcome.response) {
        Error e = std::move(outcome.response).error();
        e.message = redact(e.message);
        co_return e;
    }
    ParsedResponse& r = *outcome.response;
    if (r.choices.empty())
        co_return make_error(ErrorCode::parse, "OpenAI response has no choices", true);
    Completion c = std::move(r.choices[0]);
    r.choices.resize(1);
    c.failed_attempts_usage = outcome.failed_attempts_usage;
    if (r.usage) {
        c.usage = *r.usage;
    } else {
        ++stats_.usage_estimated;
        c.usage = counted_usage(request, {c});
    }
    c.latency_ms = elapsed_ms(start);
    co_return c;
}

namespace {

// A request with n > 1 refused as a client error: the server does not take `n`.
bool refuses_n(int http_status) {
    return http_status == 400 || http_status == 422;
}

}  // namespace

asio::awaitable<Result<CompletionSet>> OpenAIBackend::complete_n(CompletionRequest request,
                                                                 std::size_t n,
                                                                 ChoiceSink on_chunk) {
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto start = Clock::now();
    const auto deadline = deadline_after(options_.timeouts.total);
    CompletionSet set;
    if (n == 0) co_return set;
    const std::int64_t asked = n_refused_ ? 1 : static_cast<std::int64_t>(n);
    Outcome first = co_await request_with_retries(request, asked, on_chunk, deadline);
    if (!first.response && asked > 1 && refuses_n(first.http_status)) {
        // Some servers reject n > 1 outright: try n = 1, and when that works emulate n from here
        // on. (A request bad for another reason fails again and is reported as such.)
        Usage billed = first.failed_attempts_usage;
        first = co_await request_with_retries(request, 1, on_chunk, deadline);
        first.failed_attempts_usage += billed;
        n_refused_ = first.response.has_value();
    }
    if (!first.response) {
        Error e = std::move(first.response).error();
        e.message = redact(e.message);
        co_return e;
    }
    set.failed_attempts_usage = first.failed_attempts_usage;
    std::vector<Completion>& got = first.response->choices;
    if (got.size() > n) got.resize(n);
    Usage usage = first.response->usage ? *first.response->usage : counted_usage(request, got);
    if (!first.response->usage) ++stats_.usage_estimated;
    apportion(got, usage);
    set.usage = usage;
    set.completions = std::move(got);

    // The server ignored (or refused) n: ask for the rest one by one, in parallel, each with
    // its own seed.
    const std::size_t have = set.completions.size();
    std::vector<asio::awaitable<Outcome>> extra;
    for (std::size_t i = have; i < n; ++i) {
        CompletionRequest single = request;
        single.sampling.seed = request.sampling.seed + i;
        ChoiceSink shifted;
        if (on_chunk)
            shifted = [on_chunk, i](std::size_t, std::string_view piece) { on_chunk(i, piece); };
        extra.push_back(request_with_retries(std::move(single), 1, std::move(shifted), deadline));
    }
    std::vector<Outcome> outcomes = co_await async::when_all(std::move(extra));
    for (std::size_t k = 0; k < outcomes.size(); ++k) {
        const std::size_t index = have + k;
        set.failed_attempts_usage += outcomes[k].failed_attempts_usage;
        ++set.emulated;
        if (outcomes[k].response && outcomes[k].response->choices.empty())
            outcomes[k].response =
                make_error(ErrorCode::parse, "OpenAI response has no choices", true);
        if (!outcomes[k].response) {
            Error e = std::move(outcomes[k].response).error();
            e.message = redact(e.message);
            set.failed.push_back({index, std::move(e)});
            continue;
        }
        std::vector<Completion>& one = outcomes[k].response->choices;
        one.resize(1);
        Usage u = outcomes[k].response->usage ? *outcomes[k].response->usage
                                              : counted_usage(request, one);
        if (!outcomes[k].response->usage) ++stats_.usage_estimated;
        apportion(one, u);
        set.usage += u;
        set.completions.push_back(std::move(one[0]));
    }
    set.latency_ms = elapsed_ms(start);
    for (Completion& c : set.completions) c.latency_ms = set.latency_ms;
    co_return set;
}

}  // namespace braid::backends::openai
