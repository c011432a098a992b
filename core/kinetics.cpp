#include "core/kinetics.hpp"

namespace braid {

KineticsCost kinetics_cost(const KineticsModel& model, double prompt_tokens, double generated_tokens,
                           double samples) {
    const double p = model.params;
    const double layers = model.layers;
    const double attention_width = model.heads * model.head_dim;  // h·d
    const double kv_width = model.kv_heads * model.head_dim;       // h_kv·d
    const double in = prompt_tokens;
    const double out = generated_tokens;

    // Each generated token attends over the prompt plus the tokens before it: summed over the
    // generation that is (L_in + L_out/2)·L_out positions, ×2 for QK and AV, ×2 FLOPs per MAC.
    KineticsCost cost;
    cost.compute = samples * (2 * p * out + 2 * layers * (2 * in + out) * out * attention_width);
    // The prompt's KV (2·L_in, keys and values) is read once for all samples; each sample reads
    // its own generated KV.
    cost.memory = 2 * layers * (2 * in + samples * out) * out * kv_width;
    return cost;
}

}  // namespace braid
