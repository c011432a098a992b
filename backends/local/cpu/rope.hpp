#pragma once
// Rotary position embedding in the engine's one convention: NeoX / HF `rotate_half`, dimension i
// of a head pairs with i + head_dim/2 (model_config.hpp).
//
// For pair i (i < head_dim/2) at position p, angle = p * inv_freq[i]:
//   x'[i]         = x[i] cos - x[i + d/2] sin
//   x'[i + d/2]   = x[i + d/2] cos + x[i] sin
// Rotations compose: rope(rope(x, a), b) == rope(x, a + b), and rope(x, -a) undoes rope(x, a);
// attention uses that to move a query between segment placements (segment.hpp). The angle is
// formed and its cos/sin taken in double, then rounded to float (HF forms it in fp32, which
// differs by up to half an fp32 ulp of the angle — ~5e-4 rad at position 8k).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "backends/local/model/model_config.hpp"

namespace braid::backends::local {

// head_dim/2 inverse frequencies theta^(-2i/head_dim), adjusted by llama3 rope scaling when the
// config asks for it (HF `_compute_llama3_parameters`):
//   wavelength λ = 2π / f; L0 = original_max_position;
//   λ < L0 / high_freq_factor → f;  λ > L0 / low_freq_factor → f / factor;
//   otherwise s = (L0/λ - low) / (high - low), f' = (1 - s) f / factor + s f.
std::vector<float> rope_inv_freq(const ModelConfig& config);

// Rotates `n_heads` consecutive heads of `head_dim` floats in place to `position`.
// inv_freq.size() must be head_dim / 2.
void rope(float* x, std::size_t n_heads, std::size_t head_dim, std::int64_t position,
          std::span<const float> inv_freq);

}  // namespace braid::backends::local
