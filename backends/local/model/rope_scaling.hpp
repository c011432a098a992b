#pragma once
// llama3 RoPE scaling factors, and recovering llama3 parameters from a GGUF file.
//
// HF config.json stores llama3 scaling as parameters (factor, low/high_freq_factor,
// original_max_position_embeddings); llama.cpp's converter instead writes a `rope_freqs.weight`
// tensor of per-pair divisors and no parameters. ModelConfig holds parameters only, so the GGUF
// loader fits parameters that reproduce the tensor (checked to 1e-5 relative) — the engine then
// has one representation whichever file it came from. The inverse frequencies themselves come from
// one function, rope_inv_freq (cpu/rope.hpp).

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "backends/local/model/model_config.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

// head_dim/2 divisors of the inverse frequencies theta^(-2i/head_dim): 1 where unscaled,
// `factor` for long wavelengths, blended in between (transformers' _compute_llama3_parameters;
// computed in fp32 like transformers and llama.cpp's converter). All ones for Kind::none.
std::vector<float> llama3_rope_factors(const RopeScaling& scaling, float theta,
                                       std::int64_t head_dim);

// Parameters whose llama3_rope_factors equal `factors` (one per rotary pair). All ones gives
// Kind::none. `original_max_position`, when the file names it, is used as L0 if parameters with
// that L0 reproduce the factors; otherwise low_freq_factor = 1 is assumed (only the ratios
// L0/low and L0/high matter for the factors). Errors
// (invalid_input): a wrong length, or factors no llama3 parameters reproduce.
Result<RopeScaling> fit_llama3_rope_scaling(std::span<const float> factors, float theta,
                                            std::int64_t head_dim,
                                            std::optional<std::int64_t> original_max_position);

}  // namespace braid::backends::local
