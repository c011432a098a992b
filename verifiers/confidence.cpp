#include "verifiers/confidence.hpp"

namespace braid::verifiers {

std::optional<double> mean_logprob(const std::vector<backends::TokenLogprob>& logprobs) {
    if (logprobs.empty()) return std::nullopt;
    double sum = 0;
    for (const backends::TokenLogprob& t : logprobs) sum += t.logprob;
    return sum / static_cast<double>(logprobs.size());
}

}  // namespace braid::verifiers
