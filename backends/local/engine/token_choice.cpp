#include "backends/local/engine/token_choice.hpp"

#include <algorithm>
#include <memory>

namespace braid::backends::local {

TokenPicker sampler_picker(SamplingConfig config) {
    // shared_ptr: std::function must be copyable; copies of one picker serve one sequence.
    auto sampler = std::make_shared<Sampler>(config);
    return [sampler](std::span<const float> logits, std::span<const std::int32_t> generated) {
        SampledToken sampled = sampler->sample(logits, generated);
        TokenChoice choice{sampled.token, sampled.logprob, {}};
        for (const TokenLogprob& t : sampled.top) choice.top.emplace_back(t.token, t.logprob);
        return choice;
    };
}

TokenPicker greedy_picker(int top_logprobs) {
    SamplingConfig config;
    config.temperature = 0;
    config.logprobs = top_logprobs >= 0;
    config.top_logprobs = std::max(0, top_logprobs);
    return sampler_picker(config);
}

}  // namespace braid::backends::local
