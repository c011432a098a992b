#pragma once
// Checks that a ModelConfig describes a model the engine can run, whichever file it came from.

#include "backends/local/model/model_config.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

// Errors (invalid_input), naming the field: a non-positive size or one past 2^28 (n_layers,
// n_heads, head_dim: 2^14), n_heads not a multiple of
// n_kv_heads, an odd head_dim, a non-positive rms_eps or rope_theta, or llama3 scaling with
// factor < 1, high_freq_factor <= low_freq_factor or original_max_position <= 0.
Result<void> validate_model_config(const ModelConfig& config);

}  // namespace braid::backends::local
