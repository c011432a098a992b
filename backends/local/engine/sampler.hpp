#pragma once
// Sampler: one sequence's next-token choice from a row of logits, deterministic per seed.
//
// Pipeline, in this order (the order of HF transformers and llama.cpp):
//   1. repetition penalty over the distinct `previous` tokens (HF/CTRL rule): a logit l > 0
//      becomes l / penalty, otherwise l * penalty;
//   2. temperature 0 → greedy: the argmax of the penalized logits (ties: the lowest id), no RNG;
//   3. otherwise candidates sorted by logit (ties: lower id first), then top-k (keep the k best;
//      0 = off), softmax(l / temperature) over what is left, top-p (keep the shortest prefix whose
//      probability reaches top_p, at least one token; 1 = off), min-p (keep tokens with
//      p >= min_p * p_max; 0 = off), and one draw from the survivors' renormalized probabilities.
// Each Sampler owns its RNG (std::mt19937_64, uniforms from its top 53 bits), seeded from
// SamplingConfig::seed, so the same seed and logits give the same tokens on every run; give each
// sequence its own seed (sequence_seed) so that forks do not draw the same numbers.
//
// Logprobs (when asked) describe the *model's* distribution: log-softmax of the unmodified logits
// (before penalty, temperature and filters), for the chosen token and the `top_logprobs` most
// likely tokens (descending; ties: lower id first). OpenAI reports the same quantity.
// Thread-safety: none; one Sampler per sequence.

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace braid::backends::local {

struct SamplingConfig {
    float temperature = 1.0f;         // 0 = greedy
    std::int32_t top_k = 0;           // 0 = off
    float top_p = 1.0f;               // in (0, 1]; 1 = off
    float min_p = 0.0f;               // in [0, 1]; 0 = off
    float repetition_penalty = 1.0f;  // > 0; 1 = off
    std::uint64_t seed = 0;
    bool logprobs = false;            // fill SampledToken::logprob
    std::int32_t top_logprobs = 0;    // fill SampledToken::top with this many alternatives
};

struct TokenLogprob {
    std::int32_t token = 0;
    float logprob = 0.0f;
};

struct SampledToken {
    std::int32_t token = 0;
    float logprob = 0.0f;             // only when SamplingConfig::logprobs
    std::vector<TokenLogprob> top;    // SamplingConfig::top_logprobs entries, most likely first
};

// A per-sequence seed derived from a request seed and the sequence's index (splitmix64), so that
// n samples of one request draw independent, reproducible streams.
std::uint64_t sequence_seed(std::uint64_t base_seed, std::uint64_t sequence_index);

class Sampler {
public:
    explicit Sampler(SamplingConfig config);

    // Picks the next token from `logits` (vocab floats). `previous` are the tokens the repetition
    // penalty applies to (usually prompt + generated so far). Advances the RNG unless greedy.
    SampledToken sample(std::span<const float> logits, std::span<const std::int32_t> previous);

    // The tokens steps 1-3 leave to draw from (ascending ids), with their renormalized
    // probabilities; greedy → the argmax with probability 1. Does not touch the RNG.
    std::vector<TokenLogprob> support(std::span<const float> logits,
                                      std::span<const std::int32_t> previous);

    const SamplingConfig& config() const { return config_; }

private:
    struct Candidate {
        std::int32_t token;
        float logit;
        float prob;
    };
    // Steps 1-3 into candidates_ (ordered best first), probabilities normalized.
    void filter(std::span<const float> logits, std::span<const std::int32_t> previous);
    double uniform();  // in [0, 1)

    SamplingConfig config_;
    std::mt19937_64 rng_;
    std::vector<Candidate> candidates_;  // scratch, reused
    std::vector<float> penalized_;       // scratch, reused
};

// log-softmax of `logits` (max-subtracted, accumulated in double), written to `out`.
void log_softmax(std::span<const float> logits, std::vector<float>& out);

}  // namespace braid::backends::local
