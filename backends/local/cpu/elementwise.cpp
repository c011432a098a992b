#include "backends/local/cpu/elementwise.hpp"

#include <algorithm>
#include <cmath>

namespace braid::backends::local {

void rmsnorm(const float* x, const float* weight, float* y, std::size_t rows, std::size_t dim,
             float eps) {
    for (std::size_t r = 0; r < rows; ++r) {
        const float* in = x + r * dim;
        float* out = y + r * dim;
        float sum_sq = 0.0f;
        for (std::size_t i = 0; i < dim; ++i) sum_sq += in[i] * in[i];
        const float inv_rms = 1.0f / std::sqrt(sum_sq / static_cast<float>(dim) + eps);
        for (std::size_t i = 0; i < dim; ++i) out[i] = in[i] * inv_rms * weight[i];
    }
}

void silu_mul(const float* gate, const float* up, float* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const float g = gate[i];
        out[i] = g / (1.0f + std::exp(-g)) * up[i];
    }
}

void softmax(float* x, std::size_t n) {
    if (n == 0) return;
    const float max = *std::max_element(x, x + n);
    float sum = 0.0f;
    for (std::size_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - max);
        sum += x[i];
    }
    const float inv = 1.0f / sum;
    for (std::size_t i = 0; i < n; ++i) x[i] *= inv;
}

}  // namespace braid::backends::local
