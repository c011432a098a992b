#include "backends/local/model/qk_permute.hpp"

#include <algorithm>
#include <vector>

#include "core/assert.hpp"

namespace braid::backends::local {

namespace {

// Moves rows so that out row `hf` = in row `gguf` (to_hf) or the reverse.
void move_rows(std::span<float> data, std::size_t n_heads, std::size_t head_dim,
               std::size_t row_len, bool to_hf) {
    BRAID_ASSERT(head_dim % 2 == 0, "RoPE head_dim must be even");
    BRAID_ASSERT(data.size() == n_heads * head_dim * row_len, "Q/K rows do not match the heads");
    const std::size_t half = head_dim / 2;
    std::vector<float> head(head_dim * row_len);
    for (std::size_t h = 0; h < n_heads; ++h) {
        float* base = data.data() + h * head_dim * row_len;
        std::copy(base, base + head_dim * row_len, head.begin());
        for (std::size_t i = 0; i < half; ++i) {
            for (std::size_t s = 0; s < 2; ++s) {
                std::size_t gguf_row = 2 * i + s;
                std::size_t hf_row = s * half + i;
                std::size_t from = to_hf ? gguf_row : hf_row;
                std::size_t to = to_hf ? hf_row : gguf_row;
                std::copy(head.begin() + static_cast<std::ptrdiff_t>(from * row_len),
                          head.begin() + static_cast<std::ptrdiff_t>((from + 1) * row_len),
                          base + to * row_len);
            }
        }
    }
}

}  // namespace

void unpermute_gguf_rope_rows(std::span<float> data, std::size_t n_heads, std::size_t head_dim,
                              std::size_t row_len) {
    move_rows(data, n_heads, head_dim, row_len, true);
}

void permute_gguf_rope_rows(std::span<float> data, std::size_t n_heads, std::size_t head_dim,
                            std::size_t row_len) {
    move_rows(data, n_heads, head_dim, row_len, false);
}

}  // namespace braid::backends::local
