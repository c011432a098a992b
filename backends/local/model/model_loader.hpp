#pragma once
// load_model: a model file (or folder) → canonical weights, config and tokenizer spec.
//
// Accepts a `.gguf` file; a `.safetensors` file with `config.json` beside it; or a directory
// holding config.json with model.safetensors.index.json (sharded), one `*.safetensors`, or —
// when there is no safetensors — exactly one `.gguf`. GGUF tensors may be F32, F16, BF16, Q8_0 or
// Q4_0; safetensors F32, F16 or BF16. Everything becomes fp32 in the canonical layout of
// model_weights.hpp: llama-arch GGUF Q/K (weights and biases) are un-permuted to rotate_half
// order; F32 tensors that need no change alias the memory-mapped file (kept alive through
// Tensor::owner), others are owned buffers. Tensors the config does not explain are an error
// (except rope_freqs.weight, HF rotary_emb.inv_freq buffers and lm_head.weight of tied models).

#include <filesystem>
#include <optional>
#include <string>

#include "backends/local/gguf/gguf_reader.hpp"
#include "backends/local/model/model_weights.hpp"
#include "backends/local/tokenizer/tokenizer_spec.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

struct LoadedModel {
    ModelWeights weights;
    std::optional<TokenizerSpec> tokenizer;  // from GGUF tokenizer.* metadata; none for safetensors
    std::string format;                      // "gguf" | "safetensors"
};

// Errors: not_found (no such path, no config.json, nothing loadable in a folder), io, parse (a
// malformed file), invalid_input (unsupported architecture or type, shapes that contradict the
// config, missing or unexpected tensors). Messages name the file and the tensor or key.
Result<LoadedModel> load_model(const std::filesystem::path& path);

// The GGUF half of load_model for a file already parsed.
Result<LoadedModel> load_gguf_model(const GgufFile& file);

// The safetensors half: one or more shard files and the config.json text.
Result<LoadedModel> load_safetensors_model(const std::vector<std::filesystem::path>& shards,
                                           const std::filesystem::path& config_json);

}  // namespace braid::backends::local
