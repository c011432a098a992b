#pragma once
// TokenChoice and TokenPicker: how the scheduler asks a sequence's sampler for its next token.
//
// The scheduler knows nothing about sampling methods: each sequence brings a TokenPicker, called on
// the scheduler's executor with that sequence's fp32 logits (vocab_size floats) and the tokens it
// has generated so far (for repetition penalties). A picker owns its state (RNG, seed) and is
// called once per generated token, in order, so a seeded picker gives the same tokens whether or
// not its sequence was batched, chunked or preempted.

#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

namespace braid::backends::local {

struct TokenChoice {
    std::int32_t token = 0;
    float logprob = 0;                                  // log-softmax of the raw logits; 0 if not asked
    std::vector<std::pair<std::int32_t, float>> top;    // alternatives, most likely first
};

using TokenPicker =
    std::function<TokenChoice(std::span<const float> logits, std::span<const std::int32_t> generated)>;

// The greedy picker: the arg-max token (lowest id on ties); with `top_logprobs` >= 0 the chosen
// token's log-probability and that many alternatives are filled in.
TokenPicker greedy_picker(int top_logprobs = -1);

// Fills choice.logprob and `n_top` alternatives from raw logits (log-softmax).
void fill_logprobs(std::span<const float> logits, int n_top, TokenChoice& choice);

}  // namespace braid::backends::local
