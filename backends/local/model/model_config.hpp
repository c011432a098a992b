#pragma once
// ModelConfig: the shape of a Llama-family decoder, read from GGUF metadata or an HF config.json.
// One struct for both formats; the engine, the CPU kernels and the CUDA path read only this.
//
// Conventions (fixed for the whole engine):
// - RoPE is the NeoX / HF `rotate_half` form: within a head, dimension i pairs with i + head_dim/2.
//   GGUF files of the `llama` architecture store Q/K rows permuted for the interleaved form; the
//   loader undoes that permutation, so no other code ever sees it.
// - Inverse frequencies are theta^(-2i/head_dim) for i < head_dim/2, then adjusted by
//   `rope_scaling` when it is llama3 (see engine.md / HF `_compute_llama3_parameters`).

#include <cstdint>
#include <string>

namespace braid::backends::local {

enum class ModelFamily { llama, qwen2 };

struct RopeScaling {
    enum class Kind { none, llama3 };
    Kind kind = Kind::none;
    float factor = 1.0f;
    float low_freq_factor = 1.0f;
    float high_freq_factor = 4.0f;
    std::int64_t original_max_position = 8192;
};

struct ModelConfig {
    ModelFamily family = ModelFamily::llama;
    std::int64_t vocab_size = 0;
    std::int64_t hidden_size = 0;    // d_model
    std::int64_t n_layers = 0;
    std::int64_t n_heads = 0;        // query heads
    std::int64_t n_kv_heads = 0;     // key/value heads (GQA: n_heads % n_kv_heads == 0)
    std::int64_t head_dim = 0;       // usually hidden_size / n_heads
    std::int64_t ffn_size = 0;       // SwiGLU intermediate size
    std::int64_t max_position = 0;   // context length the model was trained for
    float rms_eps = 1e-5f;
    float rope_theta = 10000.0f;
    RopeScaling rope_scaling;
    bool tied_embeddings = false;    // lm_head shares token_embedding
    bool qkv_bias = false;           // Qwen2: biases on q, k, v projections
};

// "llama" or "qwen2", for messages and metadata.
const char* family_name(ModelFamily family);

}  // namespace braid::backends::local
