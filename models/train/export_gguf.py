"""Writes a trained LlamaModel and its Tokenizer as a GGUF file (llama architecture, F32 weights,
byte-level BPE tokenizer with the qwen2 pre-tokenizer) that braid's engine and llama.cpp load.

Tensor names and layout follow llama.cpp's converter: dims reversed, Q/K rows permuted from HF
rotate_half order to interleaved pairs, embeddings tied (no output.weight).
"""
import numpy as np

from gguf_file import (ALIGN, GGUF_ARR, GGUF_BOOL, GGUF_F32, GGUF_I32, GGUF_STR, GGUF_U32, gguf_kv,
                       permute_for_gguf, write_gguf)

LAYER_NAMES = {
    "input_layernorm.weight": "attn_norm.weight",
    "q_proj.weight": "attn_q.weight",
    "k_proj.weight": "attn_k.weight",
    "v_proj.weight": "attn_v.weight",
    "o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "gate_proj.weight": "ffn_gate.weight",
    "up_proj.weight": "ffn_up.weight",
    "down_proj.weight": "ffn_down.weight",
}
CONTROL, NORMAL = 3, 1


def tensors_of(model):
    cfg = model.cfg
    out = []
    state = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    out.append(("token_embd.weight", state["embed_tokens.weight"]))
    for i in range(cfg.layers):
        for name, gguf in LAYER_NAMES.items():
            w = state[f"blocks.{i}.{name}"]
            if name == "q_proj.weight":
                w = permute_for_gguf(w, cfg.heads)
            elif name == "k_proj.weight":
                w = permute_for_gguf(w, cfg.kv_heads)
            out.append((f"blk.{i}.{gguf}", w))
    out.append(("output_norm.weight", state["norm.weight"]))
    return [(n, w.shape, "F32", np.ascontiguousarray(w, dtype=np.float32).tobytes()) for n, w in out]


def tokenizer_kvs(tok):
    types = [NORMAL] * len(tok)
    types[tok.bos] = types[tok.eos] = CONTROL
    return [gguf_kv("tokenizer.ggml.model", GGUF_STR, "gpt2"),
            gguf_kv("tokenizer.ggml.pre", GGUF_STR, "qwen2"),
            gguf_kv("tokenizer.ggml.tokens", GGUF_ARR, tok.tokens, GGUF_STR),
            gguf_kv("tokenizer.ggml.token_type", GGUF_ARR, types, GGUF_I32),
            gguf_kv("tokenizer.ggml.merges", GGUF_ARR, [a + " " + b for a, b in tok.merges], GGUF_STR),
            gguf_kv("tokenizer.ggml.bos_token_id", GGUF_U32, tok.bos),
            gguf_kv("tokenizer.ggml.eos_token_id", GGUF_U32, tok.eos),
            gguf_kv("tokenizer.ggml.add_bos_token", GGUF_BOOL, 1),
            gguf_kv("tokenizer.ggml.add_eos_token", GGUF_BOOL, 0)]


def export(model, tok, path, name):
    cfg = model.cfg
    arch = "llama"
    kvs = [gguf_kv("general.architecture", GGUF_STR, arch),
           gguf_kv("general.name", GGUF_STR, name),
           gguf_kv("general.alignment", GGUF_U32, ALIGN),
           gguf_kv(f"{arch}.context_length", GGUF_U32, cfg.ctx),
           gguf_kv(f"{arch}.embedding_length", GGUF_U32, cfg.dim),
           gguf_kv(f"{arch}.block_count", GGUF_U32, cfg.layers),
           gguf_kv(f"{arch}.feed_forward_length", GGUF_U32, cfg.ffn),
           gguf_kv(f"{arch}.attention.head_count", GGUF_U32, cfg.heads),
           gguf_kv(f"{arch}.attention.head_count_kv", GGUF_U32, cfg.kv_heads),
           gguf_kv(f"{arch}.attention.layer_norm_rms_epsilon", GGUF_F32, cfg.eps),
           gguf_kv(f"{arch}.rope.freq_base", GGUF_F32, cfg.rope_theta),
           gguf_kv(f"{arch}.rope.dimension_count", GGUF_U32, cfg.head_dim),
           gguf_kv(f"{arch}.vocab_size", GGUF_U32, cfg.vocab)]
    write_gguf(path, kvs + tokenizer_kvs(tok), tensors_of(model))
