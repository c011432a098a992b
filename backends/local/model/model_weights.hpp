#pragma once
// ModelWeights: every tensor of a loaded model, in the engine's canonical form.
//
// Canonical form: fp32, row-major, a matrix W of shape [rows = out, cols = in] so that y = W x
// (the HF layout; GGUF's ne[0] = in, ne[1] = out is the same memory order). 1-D tensors have
// rows == 1. Q/K rows are already in the rotate_half RoPE order (model_config.hpp). Tensors
// stored as F32 in the file may point straight into the memory-mapped file; others are converted
// at load into owned buffers. `owner` keeps whichever alive.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "backends/local/model/model_config.hpp"

namespace braid::backends::local {

struct Tensor {
    const float* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    std::shared_ptr<const void> owner;  // the mapping or buffer `data` lives in

    bool empty() const { return data == nullptr; }
    std::size_t size() const { return rows * cols; }
    const float* row(std::size_t r) const { return data + r * cols; }
};

struct LayerWeights {
    Tensor attn_norm;                // [1, hidden]
    Tensor wq;                       // [n_heads * head_dim, hidden]
    Tensor wk;                       // [n_kv_heads * head_dim, hidden]
    Tensor wv;                       // [n_kv_heads * head_dim, hidden]
    Tensor bq, bk, bv;               // [1, out] each; empty unless config.qkv_bias
    Tensor wo;                       // [hidden, n_heads * head_dim]
    Tensor ffn_norm;                 // [1, hidden]
    Tensor w_gate;                   // [ffn, hidden]
    Tensor w_up;                     // [ffn, hidden]
    Tensor w_down;                   // [hidden, ffn]
};

struct ModelWeights {
    ModelConfig config;
    Tensor token_embedding;          // [vocab, hidden]
    std::vector<LayerWeights> layers;
    Tensor output_norm;              // [1, hidden]
    Tensor lm_head;                  // [vocab, hidden]; the same data as token_embedding if tied
    std::uint64_t weight_bytes = 0;  // bytes read per decoded token (each distinct tensor once)
};

}  // namespace braid::backends::local
