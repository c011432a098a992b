#include "backends/local/engine/token_choice.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace braid::backends::local {

void fill_logprobs(std::span<const float> logits, int n_top, TokenChoice& choice) {
    if (logits.empty()) return;
    float max_logit = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (float l : logits) sum += std::exp(static_cast<double>(l - max_logit));
    const auto log_prob = [&](std::size_t i) {
        return static_cast<float>(static_cast<double>(logits[i] - max_logit) - std::log(sum));
    };
    choice.logprob = log_prob(static_cast<std::size_t>(choice.token));
    choice.top.clear();
    if (n_top <= 0) return;
    std::vector<std::int32_t> ids(logits.size());
    std::iota(ids.begin(), ids.end(), 0);
    std::size_t k = std::min(ids.size(), static_cast<std::size_t>(n_top));
    std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                      [&](std::int32_t a, std::int32_t b) {
                          auto ua = static_cast<std::size_t>(a), ub = static_cast<std::size_t>(b);
                          return logits[ua] > logits[ub] || (logits[ua] == logits[ub] && a < b);
                      });
    for (std::size_t i = 0; i < k; ++i) choice.top.emplace_back(ids[i], log_prob(static_cast<std::size_t>(ids[i])));
}

TokenPicker greedy_picker(int top_logprobs) {
    return [top_logprobs](std::span<const float> logits, std::span<const std::int32_t>) {
        TokenChoice choice;
        auto best = std::max_element(logits.begin(), logits.end());  // first maximum: lowest id
        choice.token = static_cast<std::int32_t>(best - logits.begin());
        if (top_logprobs >= 0) fill_logprobs(logits, top_logprobs, choice);
        return choice;
    };
}

}  // namespace braid::backends::local
