#pragma once
// Llama-family models with random fp32 weights built in memory, in the llama2.c shapes, for the
// engine benchmarks (engine_cpu, prefix_cache). Seeded: the same shape gives the same weights.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/local/model/model_weights.hpp"

namespace braid::bench {

struct ModelShape {
    std::string name;
    std::int64_t dim, layers, heads, ffn, vocab;
};

inline const ModelShape kShape15m{"15m", 288, 6, 6, 768, 32000};
inline const ModelShape kShape110m{"110m", 768, 12, 12, 2048, 32000};

// A [rows, cols] tensor of uniform values in ±scale (or all `fill` when scale is 0).
inline backends::local::Tensor random_tensor(std::size_t rows, std::size_t cols, std::mt19937& rng, float scale,
                                             float fill = 0.0f) {
    auto data = std::make_shared<std::vector<float>>(rows * cols, fill);
    if (scale > 0.0f) {
        std::uniform_real_distribution<float> dist(-scale, scale);
        for (float& v : *data) v = dist(rng);
    }
    backends::local::Tensor t;
    t.data = data->data();
    t.rows = rows;
    t.cols = cols;
    t.owner = std::move(data);
    return t;
}

// Weights of `s` (tied embeddings as in llama2.c, seed 42), with weight_bytes set.
inline backends::local::ModelWeights random_model(const ModelShape& s) {
    backends::local::ModelWeights w;
    backends::local::ModelConfig& c = w.config;
    c.vocab_size = s.vocab;
    c.hidden_size = s.dim;
    c.n_layers = s.layers;
    c.n_heads = s.heads;
    c.n_kv_heads = s.heads;
    c.head_dim = s.dim / s.heads;
    c.ffn_size = s.ffn;
    c.max_position = 4096;
    c.tied_embeddings = true;  // llama2.c shares the classifier with the embedding
    std::mt19937 rng(42);
    const auto dim = static_cast<std::size_t>(s.dim), ffn = static_cast<std::size_t>(s.ffn);
    const float scale = 0.05f;
    w.token_embedding = random_tensor(static_cast<std::size_t>(s.vocab), dim, rng, scale);
    w.lm_head = w.token_embedding;
    w.output_norm = random_tensor(1, dim, rng, 0.0f, 1.0f);
    std::uint64_t floats = w.token_embedding.size() + dim;
    for (std::int64_t l = 0; l < s.layers; ++l) {
        backends::local::LayerWeights lw;
        lw.attn_norm = random_tensor(1, dim, rng, 0.0f, 1.0f);
        lw.ffn_norm = random_tensor(1, dim, rng, 0.0f, 1.0f);
        lw.wq = random_tensor(dim, dim, rng, scale);
        lw.wk = random_tensor(dim, dim, rng, scale);
        lw.wv = random_tensor(dim, dim, rng, scale);
        lw.wo = random_tensor(dim, dim, rng, scale);
        lw.w_gate = random_tensor(ffn, dim, rng, scale);
        lw.w_up = random_tensor(ffn, dim, rng, scale);
        lw.w_down = random_tensor(dim, ffn, rng, scale);
        floats += 4 * dim * dim + 3 * ffn * dim + 2 * dim;
        w.layers.push_back(std::move(lw));
    }
    w.weight_bytes = floats * sizeof(float);
    return w;
}

}  // namespace braid::bench
