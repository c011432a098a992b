#pragma once
// ModelConfig from GGUF metadata and tensor shapes (engine.md §1.1), `llama` and `qwen2`
// architectures.

#include "backends/local/gguf/gguf_reader.hpp"
#include "backends/local/model/model_config.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

// Reads general.architecture and `<arch>.` embedding_length, block_count, feed_forward_length,
// attention.head_count, attention.head_count_kv (default head_count), attention.key_length /
// value_length (head dim, default embedding/heads), rope.dimension_count (must equal the head
// dim), context_length, attention.layer_norm_rms_epsilon, rope.freq_base (default 10000) and
// rope.scaling.type (absent or "none"; llama3 scaling comes from a rope_freqs.weight tensor,
// see rope_scaling.hpp). vocab_size is token_embd.weight's row count (checked against
// `<arch>.vocab_size` when present); tied = no output.weight; qkv_bias = blk.0.attn_q.bias
// exists. The config is validated.
// Errors (invalid_input): an unsupported architecture, a missing or mistyped key, shapes that
// contradict the keys, unsupported RoPE scaling.
Result<ModelConfig> config_from_gguf(const GgufFile& file);

}  // namespace braid::backends::local
