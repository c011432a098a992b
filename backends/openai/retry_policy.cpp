#include "backends/openai/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <curl/curl.h>

namespace braid::backends::openai {

namespace {

constexpr double jitter_fraction = 0.25;
constexpr int max_backoff_doublings = 30;  // keeps 2^k finite long before any cap matters

// A non-negative decimal number ("1", "1.5"); nullopt for anything else.
std::optional<double> parse_number(const std::string& text) {
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (end == text.c_str() || *end != '\0' || !std::isfinite(value) || value < 0)
        return std::nullopt;
    return value;
}

}  // namespace

bool should_retry_status(long status, const std::string* x_should_retry) {
    if (x_should_retry != nullptr) {
        if (*x_should_retry == "true") return true;
        if (*x_should_retry == "false") return false;
    }
    return status == 408 || status == 409 || status == 429 || status >= 500;
}

std::optional<std::chrono::milliseconds> requested_retry_delay(const HttpHead& head,
                                                               std::time_t now) {
    using std::chrono::milliseconds;
    if (const std::string* ms = head.find("retry-after-ms")) {
        if (auto value = parse_number(*ms))
            return milliseconds(static_cast<std::int64_t>(std::ceil(*value)));
    }
    const std::string* after = head.find("retry-after");
    if (after == nullptr) return std::nullopt;
    if (auto seconds = parse_number(*after))
        return milliseconds(static_cast<std::int64_t>(std::ceil(*seconds * 1000)));
    std::time_t date = curl_getdate(after->c_str(), nullptr);
    if (date == -1) return std::nullopt;
    return milliseconds(std::max<std::int64_t>(0, static_cast<std::int64_t>(date - now) * 1000));
}

std::chrono::milliseconds Backoff::delay(int retry) {
    double doublings = std::clamp(retry, 0, max_backoff_doublings);
    double full_ms = std::min(static_cast<double>(base_.count()) * std::pow(2.0, doublings),
                              static_cast<double>(max_.count()));
    double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    return std::chrono::milliseconds(
        static_cast<std::int64_t>(full_ms * (1.0 - u * jitter_fraction)));
}

}  // namespace braid::backends::openai
