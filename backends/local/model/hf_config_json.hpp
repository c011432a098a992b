#pragma once
// ModelConfig from a Hugging Face config.json (engine.md §1.3), Llama and Qwen2 families.

#include <string_view>

#include "backends/local/model/model_config.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

// Reads model_type (or architectures[0]), hidden_size, intermediate_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads (default: num_attention_heads), head_dim (default:
// hidden/heads), rms_norm_eps (1e-6), rope_theta (10000), rope_scaling (null, "default" or
// "llama3"), max_position_embeddings, vocab_size, tie_word_embeddings (false) and the biases
// (Qwen2: q/k/v always; Llama: attention_bias). The config is validated.
// Errors: parse for invalid JSON; invalid_input for a missing or mistyped field, an unsupported
// family, activation, rope_scaling type, mlp_bias or sliding window.
Result<ModelConfig> config_from_hf_json(std::string_view json_text);

}  // namespace braid::backends::local
