#include <catch2/catch.hpp>

#include <chrono>

#include "backends/openai/curl_multi_asio.hpp"
#include "backends/openai/delivery_gate.hpp"
#include "backends/openai/retry_policy.hpp"

using namespace braid::backends::openai;
using namespace std::chrono_literals;

namespace {
HttpHead head_with(std::string name, std::string value) {
    HttpHead h;
    h.status = 429;
    h.headers.push_back({std::move(name), std::move(value)});
    return h;
}
}  // namespace

TEST_CASE("retryable statuses are 408, 409, 429 and 5xx unless x-should-retry says otherwise",
          "[backends][retry]") {
    for (long s : {408L, 409L, 429L, 500L, 502L, 503L, 599L})
        CHECK(should_retry_status(s, nullptr));
    for (long s : {400L, 401L, 403L, 404L, 422L}) CHECK_FALSE(should_retry_status(s, nullptr));
    const std::string no = "false", yes = "true";
    CHECK_FALSE(should_retry_status(503, &no));
    CHECK(should_retry_status(400, &yes));
}

TEST_CASE("retry-after-ms wins over retry-after, which reads seconds or an HTTP date",
          "[backends][retry]") {
    HttpHead both = head_with("retry-after-ms", "250");
    both.headers.push_back({"retry-after", "9"});
    CHECK(requested_retry_delay(both, 0) == 250ms);
    CHECK(requested_retry_delay(head_with("retry-after", "1.5"), 0) == 1500ms);
    // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480 seconds after the epoch.
    CHECK(requested_retry_delay(head_with("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
                                1445412470) == 10s);
    CHECK(requested_retry_delay(head_with("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),
                                1445412490) == 0ms);
    CHECK_FALSE(requested_retry_delay(head_with("retry-after", "soon"), 0).has_value());
    CHECK_FALSE(requested_retry_delay(head_with("retry-after", "-1"), 0).has_value());
    CHECK_FALSE(requested_retry_delay(HttpHead{}, 0).has_value());
}

TEST_CASE(
    "backoff doubles from the base up to the cap, minus at most 25% jitter, same on every run",
    "[backends][retry]") {
    RetryPolicy policy;  // 500 ms base, 8 s cap
    Backoff a(policy), b(policy);
    for (int k = 0; k < 8; ++k) {
        double full = std::min(500.0 * (1 << k), 8000.0);
        auto d = a.delay(k);
        CHECK(d == b.delay(k));  // seeded: deterministic
        CHECK(static_cast<double>(d.count()) <= full);
        CHECK(static_cast<double>(d.count()) >= full * 0.75 - 1);
    }
    CHECK(Backoff(policy).delay(1000) <= 8000ms);
}

TEST_CASE("loggable URLs drop user-info and query strings", "[backends][retry]") {
    CHECK(loggable_url("https://user:secret@api.example.com/v1/chat?key=sk-1") ==
          "https://api.example.com/v1/chat");
    CHECK(loggable_url("http://127.0.0.1:8000/v1/completions") ==
          "http://127.0.0.1:8000/v1/completions");
    CHECK(loggable_url("http://host#frag") == "http://host");
}

TEST_CASE("the delivery gate verifies replayed text and delivers only what is new",
          "[backends][retry]") {
    std::string out;
    DeliveryGate gate([&out](std::size_t, std::string_view p) { out.append(p); });
    gate.begin_attempt();
    CHECK(gate.deliver(0, "Hello, "));
    CHECK(gate.deliver(0, "wor"));
    gate.begin_attempt();  // the stream broke; the retry replays from the start
    CHECK(gate.deliver(0, "Hel"));
    CHECK(gate.deliver(0, "lo, wo"));
    CHECK(out == "Hello, wor");
    CHECK(gate.deliver(0, "rld"));
    CHECK(out == "Hello, world");
    CHECK(gate.settle({12}));
    CHECK(gate.delivered_bytes() == 12);

    gate.begin_attempt();
    CHECK(gate.deliver(0, "Hello"));
    CHECK_FALSE(gate.settle({5}));  // ended shorter than what the caller already has
    CHECK(gate.diverged());

    std::string other;
    DeliveryGate strict([&other](std::size_t, std::string_view p) { other.append(p); });
    strict.begin_attempt();
    CHECK(strict.deliver(0, "abc"));
    strict.begin_attempt();
    CHECK_FALSE(strict.deliver(0, "abX"));
    CHECK_FALSE(strict.deliver(0, "more"));
    CHECK(other == "abc");
}
