#pragma once
// The Q/K row permutation of llama-architecture GGUF files (engine.md §1.1, "RoPE pairing trap").
//
// llama.cpp's converter reorders the output rows of Q and K (and their biases) so that ggml's
// interleaved RoPE, which rotates (x[2i], x[2i+1]), computes what HF's rotate_half computes on
// (x[i], x[i + hd/2]). Within each head of hd rows: GGUF row 2*i + s holds HF row s*hd/2 + i
// (s in {0, 1}, i < hd/2). The loader undoes this so the engine sees rotate_half order only.

#include <cstddef>
#include <span>

namespace braid::backends::local {

// In place: `data` holds `n_heads * head_dim` output rows of `row_len` floats each, in GGUF
// order; afterwards they are in HF (rotate_half) order. For a bias vector, row_len is 1.
// head_dim must be even and data.size() == n_heads * head_dim * row_len (asserted).
void unpermute_gguf_rope_rows(std::span<float> data, std::size_t n_heads, std::size_t head_dim,
                              std::size_t row_len);

// The inverse (HF → GGUF order), as the converter applies it; for tests and writers.
void permute_gguf_rope_rows(std::span<float> data, std::size_t n_heads, std::size_t head_dim,
                            std::size_t row_len);

}  // namespace braid::backends::local
