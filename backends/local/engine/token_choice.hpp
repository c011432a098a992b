#pragma once
// TokenChoice and TokenPicker: how the scheduler asks a sequence's sampler for its next token.
//
// The scheduler knows nothing about sampling methods: each sequence brings a TokenPicker, called on
// the scheduler's executor with that sequence's fp32 logits (vocab_size floats) and the tokens it
// has generated so far (what a repetition penalty applies to). A picker owns its state (a
// Sampler with its seeded RNG) and is called once per generated token, in order, so a seeded
// picker gives the same tokens whether or not its sequence was batched, chunked or preempted.

#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "backends/local/engine/sampler.hpp"

namespace braid::backends::local {

struct TokenChoice {
    std::int32_t token = 0;
    float logprob = 0;                                // model log-probability; 0 if not asked
    std::vector<std::pair<std::int32_t, float>> top;  // alternatives, most likely first
};

using TokenPicker = std::function<TokenChoice(std::span<const float> logits,
                                              std::span<const std::int32_t> generated)>;

// A picker over a Sampler (sampler.hpp) configured by `config`.
TokenPicker sampler_picker(SamplingConfig config);

// Greedy (temperature 0); with `top_logprobs` >= 0, logprobs and that many alternatives.
TokenPicker greedy_picker(int top_logprobs = -1);

}  // namespace braid::backends::local
