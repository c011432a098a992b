#pragma once
// The format-independent half of weight loading: which tensors a Llama-family model has, their
// canonical shapes, their names in GGUF and HF checkpoints, and the step that fills ModelWeights
// from a per-format fetch function (shape checks, tying, weight_bytes).

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "backends/local/gguf/ggml_type.hpp"
#include "backends/local/model/model_weights.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

enum class WeightRole {
    token_embedding,
    attn_norm,
    wq,
    wk,
    wv,
    bq,
    bk,
    bv,
    wo,
    ffn_norm,
    w_gate,
    w_up,
    w_down,
    output_norm,
    lm_head,
};

// One tensor the assembler asks for, with its canonical shape ([1, n] for vectors).
struct WeightRequest {
    WeightRole role = WeightRole::token_embedding;
    int layer = -1;  // -1 for tensors outside the blocks
    std::size_t rows = 0;
    std::size_t cols = 0;
    bool required = true;
};

// Returns the tensor in canonical form with exactly the requested shape, an empty Tensor when it
// is absent and not required, or an Error (missing, wrong shape, unsupported type).
using WeightFetch = std::function<Result<Tensor>(const WeightRequest&)>;

// "blk.3.attn_q.weight", "token_embd.weight", "output.weight", ...
std::string gguf_weight_name(WeightRole role, int layer);
// "model.layers.3.self_attn.q_proj.weight", "model.embed_tokens.weight", "lm_head.weight", ...
std::string hf_weight_name(WeightRole role, int layer);

// Fetches every tensor `config` implies (biases only when config.qkv_bias, lm_head only when
// untied: tied models share token_embedding's data) and fills weight_bytes: the bytes of all
// canonical tensors read per decoded token — every block tensor, output_norm and lm_head, plus
// one embedding row (a decode step reads one row of an untied embedding table).
Result<ModelWeights> assemble_weights(const ModelConfig& config, const WeightFetch& fetch);

// Decodes `bytes` of `type` into a new owned fp32 buffer of rows * cols values; `fixup` (may be
// empty) edits the buffer before it is frozen (the GGUF Q/K un-permute).
Result<Tensor> decode_tensor(GgmlType type, std::span<const std::uint8_t> bytes, std::size_t rows,
                             std::size_t cols, const std::function<void(std::span<float>)>& fixup);

// An F32 tensor aliasing `bytes` (kept alive by `owner`) when they are 4-byte aligned, else a
// decoded copy.
Result<Tensor> alias_or_decode_f32(std::span<const std::uint8_t> bytes, std::size_t rows,
                                   std::size_t cols, const std::shared_ptr<const void>& owner);

}  // namespace braid::backends::local
