#pragma once
// Row-wise fp32 kernels of the forward pass. All run on the calling thread (they are O(n) and far
// cheaper than the matmuls around them); all accumulate in fp32. Output may alias input.

#include <cstddef>

namespace braid::backends::local {

// y[r] = x[r] / sqrt(mean(x[r]²) + eps) ⊙ weight, for each of `rows` rows of `dim` floats.
void rmsnorm(const float* x, const float* weight, float* y, std::size_t rows, std::size_t dim,
             float eps);

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + e^-g): the SwiGLU activation.
void silu_mul(const float* gate, const float* up, float* out, std::size_t n);

// In-place softmax of one row, stable (the row maximum is subtracted first). A row of -inf only
// is undefined (it has no probability mass); callers never produce one.
void softmax(float* x, std::size_t n);

}  // namespace braid::backends::local
