#include "backends/local/engine/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/assert.hpp"

namespace braid::backends::local {

namespace {

constexpr double k_two_pow_minus_53 = 1.0 / 9007199254740992.0;

}  // namespace

std::uint64_t sequence_seed(std::uint64_t base_seed, std::uint64_t sequence_index) {
    std::uint64_t z = base_seed + 0x9e3779b97f4a7c15ULL * (sequence_index + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void log_softmax(std::span<const float> logits, std::vector<float>& out) {
    out.resize(logits.size());
    if (logits.empty()) return;
    const float max = *std::max_element(logits.begin(), logits.end());
    double sum = 0.0;
    for (float l : logits) sum += std::exp(static_cast<double>(l) - max);
    const double log_sum = std::log(sum) + max;
    for (std::size_t i = 0; i < logits.size(); ++i)
        out[i] = static_cast<float>(static_cast<double>(logits[i]) - log_sum);
}

Sampler::Sampler(SamplingConfig config) : config_(config), rng_(config.seed) {
    BRAID_ASSERT(config_.temperature >= 0.0f, "sampler: temperature must be >= 0");
    BRAID_ASSERT(config_.top_k >= 0 && config_.top_logprobs >= 0, "sampler: negative count");
    BRAID_ASSERT(config_.top_p > 0.0f && config_.top_p <= 1.0f, "sampler: top_p in (0, 1]");
    BRAID_ASSERT(config_.min_p >= 0.0f && config_.min_p <= 1.0f, "sampler: min_p in [0, 1]");
    BRAID_ASSERT(config_.repetition_penalty > 0.0f, "sampler: repetition_penalty must be > 0");
}

double Sampler::uniform() { return static_cast<double>(rng_() >> 11) * k_two_pow_minus_53; }

void Sampler::filter(std::span<const float> logits, std::span<const std::int32_t> previous) {
    BRAID_ASSERT(!logits.empty(), "sampler: empty logits");
    penalized_.assign(logits.begin(), logits.end());
    if (config_.repetition_penalty != 1.0f) {
        // Derived from the original logit, so a token repeated in `previous` is penalized once.
        for (std::int32_t t : previous) {
            if (t < 0 || static_cast<std::size_t>(t) >= logits.size()) continue;
            const auto i = static_cast<std::size_t>(t);
            const float l = logits[i];
            penalized_[i] = l > 0.0f ? l / config_.repetition_penalty
                                     : l * config_.repetition_penalty;
        }
    }
    candidates_.clear();
    auto better = [](const Candidate& a, const Candidate& b) {
        return a.logit > b.logit || (a.logit == b.logit && a.token < b.token);
    };
    if (config_.temperature == 0.0f) {
        std::size_t best = 0;
        for (std::size_t i = 1; i < penalized_.size(); ++i)
            if (penalized_[i] > penalized_[best]) best = i;
        candidates_.push_back(Candidate{static_cast<std::int32_t>(best), penalized_[best], 1.0f});
        return;
    }
    for (std::size_t i = 0; i < penalized_.size(); ++i)
        candidates_.push_back(Candidate{static_cast<std::int32_t>(i), penalized_[i], 0.0f});
    const bool filtering = config_.top_p < 1.0f || config_.min_p > 0.0f;
    if (config_.top_k > 0 && static_cast<std::size_t>(config_.top_k) < candidates_.size()) {
        const auto k = static_cast<std::ptrdiff_t>(config_.top_k);
        std::partial_sort(candidates_.begin(), candidates_.begin() + k, candidates_.end(), better);
        candidates_.resize(static_cast<std::size_t>(k));
    } else if (filtering) {
        std::sort(candidates_.begin(), candidates_.end(), better);
    }
    // Softmax of l / T over the candidates (max-subtracted, summed in double).
    float max = -std::numeric_limits<float>::infinity();
    for (const Candidate& c : candidates_) max = std::max(max, c.logit);
    double sum = 0.0;
    for (Candidate& c : candidates_) {
        c.prob = static_cast<float>(std::exp((static_cast<double>(c.logit) - max) /
                                             static_cast<double>(config_.temperature)));
        sum += c.prob;
    }
    for (Candidate& c : candidates_) c.prob = static_cast<float>(c.prob / sum);
    if (!filtering) return;
    // Candidates are sorted best first here.
    std::size_t keep = candidates_.size();
    if (config_.top_p < 1.0f) {
        double cumulative = 0.0;
        for (std::size_t i = 0; i < candidates_.size(); ++i) {
            cumulative += candidates_[i].prob;
            if (cumulative >= static_cast<double>(config_.top_p)) {
                keep = i + 1;
                break;
            }
        }
    }
    if (config_.min_p > 0.0f) {
        const float threshold = config_.min_p * candidates_.front().prob;
        std::size_t n = 1;
        while (n < keep && candidates_[n].prob >= threshold) ++n;
        keep = n;
    }
    candidates_.resize(keep);
    double kept = 0.0;
    for (const Candidate& c : candidates_) kept += c.prob;
    for (Candidate& c : candidates_) c.prob = static_cast<float>(c.prob / kept);
}

std::vector<TokenLogprob> Sampler::support(std::span<const float> logits,
                                           std::span<const std::int32_t> previous) {
    filter(logits, previous);
    std::vector<TokenLogprob> out;
    for (const Candidate& c : candidates_) out.push_back(TokenLogprob{c.token, c.prob});
    std::sort(out.begin(), out.end(),
              [](const TokenLogprob& a, const TokenLogprob& b) { return a.token < b.token; });
    return out;
}

SampledToken Sampler::sample(std::span<const float> logits,
                             std::span<const std::int32_t> previous) {
    filter(logits, previous);
    SampledToken out;
    out.token = candidates_.back().token;  // the fallback if rounding leaves u past the sum
    if (config_.temperature == 0.0f) {
        out.token = candidates_.front().token;
    } else {
        double u = uniform();
        for (const Candidate& c : candidates_) {
            u -= c.prob;
            if (u < 0.0) {
                out.token = c.token;
                break;
            }
        }
    }
    if (config_.logprobs || config_.top_logprobs > 0) {
        log_softmax(logits, penalized_);  // scratch reuse: the raw model distribution
        out.logprob = penalized_[static_cast<std::size_t>(out.token)];
        const std::size_t n =
            std::min(static_cast<std::size_t>(config_.top_logprobs), penalized_.size());
        if (n > 0) {
            std::vector<TokenLogprob> all;
            all.reserve(penalized_.size());
            for (std::size_t i = 0; i < penalized_.size(); ++i)
                all.push_back(TokenLogprob{static_cast<std::int32_t>(i), penalized_[i]});
            const auto by_prob = [](const TokenLogprob& a, const TokenLogprob& b) {
                return a.logprob > b.logprob || (a.logprob == b.logprob && a.token < b.token);
            };
            std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n),
                              all.end(), by_prob);
            all.resize(n);
            out.top = std::move(all);
        }
    }
    return out;
}

}  // namespace braid::backends::local
