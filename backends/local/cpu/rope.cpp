#include "backends/local/cpu/rope.hpp"

#include <cmath>
#include <numbers>

#include "core/assert.hpp"

namespace braid::backends::local {

namespace {
// Bounds the stack cos/sin tables: head_dim up to 512 (supported models use 64 or 128).
constexpr std::size_t max_half_dim = 256;
}  // namespace

std::vector<float> rope_inv_freq(const ModelConfig& config) {
    BRAID_ASSERT(config.head_dim > 0 && config.head_dim % 2 == 0, "rope: head_dim must be even");
    const std::size_t half = static_cast<std::size_t>(config.head_dim) / 2;
    const double dim = static_cast<double>(config.head_dim);
    const RopeScaling& s = config.rope_scaling;
    std::vector<float> out(half);
    for (std::size_t i = 0; i < half; ++i) {
        double f = 1.0 / std::pow(static_cast<double>(config.rope_theta),
                                  static_cast<double>(2 * i) / dim);
        if (s.kind == RopeScaling::Kind::llama3) {
            const double l0 = static_cast<double>(s.original_max_position);
            const double low_wavelen = l0 / s.low_freq_factor;
            const double high_wavelen = l0 / s.high_freq_factor;
            const double wavelen = 2.0 * std::numbers::pi / f;
            if (wavelen > low_wavelen) {
                f /= s.factor;
            } else if (wavelen >= high_wavelen) {
                const double smooth =
                    (l0 / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
                f = (1.0 - smooth) * f / s.factor + smooth * f;
            }
        }
        out[i] = static_cast<float>(f);
    }
    return out;
}

void rope(float* x, std::size_t n_heads, std::size_t head_dim, std::int64_t position,
          std::span<const float> inv_freq) {
    const std::size_t half = head_dim / 2;
    BRAID_ASSERT(head_dim % 2 == 0 && inv_freq.size() == half, "rope: inv_freq must be head_dim/2");
    BRAID_ASSERT(half <= max_half_dim, "rope: head_dim too large");
    float cos_table[max_half_dim];
    float sin_table[max_half_dim];
    for (std::size_t i = 0; i < half; ++i) {
        const double angle = static_cast<double>(position) * static_cast<double>(inv_freq[i]);
        cos_table[i] = static_cast<float>(std::cos(angle));
        sin_table[i] = static_cast<float>(std::sin(angle));
    }
    for (std::size_t h = 0; h < n_heads; ++h) {
        float* head = x + h * head_dim;
        for (std::size_t i = 0; i < half; ++i) {
            const float a = head[i], b = head[i + half];
            head[i] = a * cos_table[i] - b * sin_table[i];
            head[i + half] = b * cos_table[i] + a * sin_table[i];
        }
    }
}

}  // namespace braid::backends::local
