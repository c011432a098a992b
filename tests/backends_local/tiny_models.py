#!/usr/bin/python3
"""Writes tiny random-weight Llama/Qwen2 models as GGUF and as safetensors + config.json.

Usage: tiny_models.py OUT_DIR [NAME ...]      (no NAME: every model)

For each model NAME it writes OUT_DIR/NAME.gguf and OUT_DIR/NAME/{model.safetensors,config.json}
holding the same weights, plus OUT_DIR/manifest.json describing them. Weights are seeded, so
every run writes identical files. numpy only; independent of braid's C++ code.

* GGUF follows llama.cpp's converter: dims reversed ([in, out]), 2-D tensors in the variant's
  type, 1-D tensors F32, llama-arch Q/K rows permuted for interleaved RoPE (qwen2 not), no
  output.weight when tied, llama3 RoPE scaling as a rope_freqs.weight tensor, and a small
  byte-level BPE tokenizer (256 byte tokens, 13 merges, 3 control tokens).
* safetensors holds HF names and layout. For F16/BF16 variants every tensor is stored in that
  dtype and the GGUF holds the same rounded values. For Q8_0/Q4_0 variants the safetensors file
  is F32 holding exactly what dequantizing the GGUF blocks gives (ggml's reference quantizers),
  so loading either file must give bit-identical fp32 weights in every variant.
* BYTE_MODELS (written only when named, so the default set is unchanged): byte-level BPE with the
  256 byte tokens and no merges, so every token is one byte; the weights are shaped so that only
  ASCII bytes and the end token can be sampled (see ascii_only), hence generated text decodes to
  ASCII and re-encodes to the very tokens that were generated (decode -> encode is the identity).
"""
import json
import math
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models", "train"))
from gguf_file import (ALIGN, GGML, GGUF_ARR, GGUF_BOOL, GGUF_F32, GGUF_I32, GGUF_STR, GGUF_U32,  # noqa: E402
                       bytes_to_unicode, gguf_kv, write_gguf)
from gguf_file import permute_for_gguf as permute  # noqa: E402

VOCAB_BYTES = 256
MERGES = ["Ġ t", "h e", "i n", "Ġ a", "e r", "Ġt he", "o n", "Ġ s", "r e", "a t", "e n", "Ġ w", "o r"]
SPECIALS = {
    "llama": ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"],
    "qwen2": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
}
VOCAB = VOCAB_BYTES + len(MERGES) + 3  # 272
LLAMA3_TEMPLATE = ("{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}"
                   "<|end_header_id|>\n\n{{ m['content'] }}<|eot_id|>{% endfor %}")
CHATML_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                   "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")

# name: (family, tied, llama3 rope scaling, storage type of 2-D tensors, seed)
MODELS = {
    "llama": ("llama", False, False, "F32", 1),
    "llama_tied": ("llama", True, False, "F32", 2),
    "llama3_scaled": ("llama", True, True, "F32", 3),
    "qwen2": ("qwen2", True, False, "F32", 4),
    "qwen2_untied": ("qwen2", False, False, "F32", 5),
    "llama_f16": ("llama", False, False, "F16", 1),
    "qwen2_bf16": ("qwen2", True, False, "BF16", 4),
    "llama_q8_0": ("llama", False, False, "Q8_0", 1),
    "qwen2_q4_0": ("qwen2", False, False, "Q4_0", 5),
}
# Byte-level models: name: (family, tied, llama3 rope scaling, storage type, seed); never tied.
BYTE_MODELS = {
    "qwen2_bytes": ("qwen2", False, False, "F32", 6),
}
# The residual dimension that carries a constant (see ascii_only) and the logit penalty per unit
# of it on the tokens that must never be sampled.
ASCII_DIM = 0
ASCII_PENALTY = 100.0
SHAPE = dict(hidden=64, layers=2, heads=4, kv_heads=2, ffn=128, vocab=VOCAB, ctx=2048)
ROPE_THETA = 10000.0
RMS_EPS = 1e-5
# With head_dim 16 and theta 1e4 these put 3 pairs unscaled, 2 blended, 3 fully scaled.
LLAMA3_SCALING = dict(rope_type="llama3", factor=8.0, low_freq_factor=1.0, high_freq_factor=16.0,
                      original_max_position_embeddings=1024)



# ---- number formats -------------------------------------------------------------------------

def bf16_bits(x):
    """fp32 -> bf16 bit patterns, round to nearest even (no NaNs in our data)."""
    b = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def round_half_away(v):
    v = v.astype(np.float64)
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def quantize_q8_0(x):
    """ggml quantize_row_q8_0_ref on rows of x (row length a multiple of 32): (bytes, dequant)."""
    blocks = x.astype(np.float32).reshape(-1, 32)
    d = (np.abs(blocks).max(axis=1) / np.float32(127)).astype(np.float32)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = round_half_away(blocks * inv[:, None]).astype(np.int8)
    d16 = d.astype(np.float16)
    raw = np.zeros((blocks.shape[0], 34), dtype=np.uint8)
    raw[:, 0:2] = d16.view(np.uint8).reshape(-1, 2)
    raw[:, 2:] = q.view(np.uint8)
    deq = q.astype(np.float32) * d16.astype(np.float32)[:, None]
    return raw.tobytes(), deq.reshape(x.shape)


def quantize_q4_0(x):
    """ggml quantize_row_q4_0_ref: low nibbles hold elements 0..15, high nibbles 16..31."""
    blocks = x.astype(np.float32).reshape(-1, 32)
    idx = np.abs(blocks).argmax(axis=1)  # first index of the largest magnitude, like ggml
    mx = blocks[np.arange(blocks.shape[0]), idx]
    d = (mx / np.float32(-8)).astype(np.float32)
    inv = np.where(d != 0, np.float32(1) / np.where(d != 0, d, 1), 0).astype(np.float32)
    q = np.minimum(15, np.floor(blocks * inv[:, None] + np.float32(8.5))).astype(np.uint8)
    d16 = d.astype(np.float16)
    raw = np.zeros((blocks.shape[0], 18), dtype=np.uint8)
    raw[:, 0:2] = d16.view(np.uint8).reshape(-1, 2)
    raw[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    deq = (q.astype(np.float32) - np.float32(8)) * d16.astype(np.float32)[:, None]
    return raw.tobytes(), deq.reshape(x.shape)


# ---- weights --------------------------------------------------------------------------------

def make_weights(family, tied, seed, vocab=VOCAB):
    """HF-named fp32 weights in HF layout ([out, in])."""
    rng = np.random.default_rng(seed)
    s = dict(SHAPE, vocab=vocab)
    hd = s["hidden"] // s["heads"]

    def mat(out, inp):
        return (rng.standard_normal((out, inp)) / math.sqrt(inp)).astype(np.float32)

    def norm(n):
        return (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)

    # Scaled so that a tied head gives logits of order 10, not 60.
    embed = 0.25 * rng.standard_normal((s["vocab"], s["hidden"]))
    w = {"model.embed_tokens.weight": embed.astype(np.float32)}
    for l in range(s["layers"]):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = norm(s["hidden"])
        w[p + "self_attn.q_proj.weight"] = mat(s["heads"] * hd, s["hidden"])
        w[p + "self_attn.k_proj.weight"] = mat(s["kv_heads"] * hd, s["hidden"])
        w[p + "self_attn.v_proj.weight"] = mat(s["kv_heads"] * hd, s["hidden"])
        if family == "qwen2":
            for name, n in (("q", s["heads"]), ("k", s["kv_heads"]), ("v", s["kv_heads"])):
                w[p + f"self_attn.{name}_proj.bias"] = (0.1 * rng.standard_normal(n * hd)).astype(np.float32)
        w[p + "self_attn.o_proj.weight"] = mat(s["hidden"], s["heads"] * hd)
        w[p + "post_attention_layernorm.weight"] = norm(s["hidden"])
        w[p + "mlp.gate_proj.weight"] = mat(s["ffn"], s["hidden"])
        w[p + "mlp.up_proj.weight"] = mat(s["ffn"], s["hidden"])
        w[p + "mlp.down_proj.weight"] = mat(s["hidden"], s["ffn"])
    w["model.norm.weight"] = norm(s["hidden"])
    if not tied:
        w["lm_head.weight"] = mat(s["vocab"], s["hidden"])
    return w


def ascii_only(w, allowed):
    """Makes every token outside `allowed` unsampleable: the embeddings carry a constant 1 in
    residual dimension ASCII_DIM that no layer writes to (rows ASCII_DIM of o_proj and down_proj
    zeroed), so after the final norm that dimension is positive at every position, and the head
    rows of the other tokens weigh it by -ASCII_PENALTY (their logits drop by tens, far below every allowed one)."""
    w["model.embed_tokens.weight"][:, ASCII_DIM] = 1.0
    for name in w:
        if name.endswith("self_attn.o_proj.weight") or name.endswith("mlp.down_proj.weight"):
            w[name][ASCII_DIM, :] = 0.0
    w["model.norm.weight"][ASCII_DIM] = 1.0
    head = w["lm_head.weight"]
    head[:, ASCII_DIM] = 0.0
    banned = np.setdiff1d(np.arange(head.shape[0]), np.asarray(allowed))
    head[banned, ASCII_DIM] = -ASCII_PENALTY
    return w


def gguf_name(hf):
    table = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    if hf in table:
        return table[hf]
    parts = hf.split(".")
    layer, rest = parts[2], ".".join(parts[3:])
    sub = {"input_layernorm.weight": "attn_norm.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
           "self_attn.o_proj.weight": "attn_output.weight", "mlp.gate_proj.weight": "ffn_gate.weight",
           "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight"}
    if rest in sub:
        return f"blk.{layer}.{sub[rest]}"
    proj, kind = rest.split(".")[1], rest.split(".")[2]  # self_attn.q_proj.weight
    return f"blk.{layer}.attn_{proj[0]}.{kind}"


def llama3_factors(hd):
    sc = LLAMA3_SCALING
    freqs = 1.0 / (np.float32(ROPE_THETA) ** (np.arange(0, hd, 2, dtype=np.float32) / np.float32(hd)))
    low_wl = sc["original_max_position_embeddings"] / sc["low_freq_factor"]
    high_wl = sc["original_max_position_embeddings"] / sc["high_freq_factor"]
    out = []
    for f in freqs.astype(np.float32):
        wl = np.float32(2 * math.pi) / f
        if wl < high_wl:
            out.append(1.0)
        elif wl > low_wl:
            out.append(sc["factor"])
        else:
            smooth = (sc["original_max_position_embeddings"] / wl - sc["low_freq_factor"]) / (
                sc["high_freq_factor"] - sc["low_freq_factor"])
            out.append(1.0 / ((1 - smooth) / sc["factor"] + smooth))
    return np.array(out, dtype=np.float32)


# ---- writers --------------------------------------------------------------------------------

def write_safetensors(path, tensors):
    """tensors: dict name -> (dtype name, shape, raw bytes)."""
    header, data = {}, b""
    for name in sorted(tensors):
        dtype, shape, raw = tensors[name]
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"format": "pt"}
    blob = json.dumps(header).encode("utf-8")
    blob += b" " * ((-len(blob)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)) + blob + data)


def tokenizer_kvs(family, merges=MERGES):
    table = bytes_to_unicode()
    tokens = [table[b] for b in range(256)] + [m.replace(" ", "") for m in merges] + SPECIALS[family]
    types = [1] * (len(tokens) - 3) + [3, 3, 3]
    first = len(tokens) - 3
    kvs = [gguf_kv("tokenizer.ggml.model", GGUF_STR, "gpt2"),
           gguf_kv("tokenizer.ggml.pre", GGUF_STR, "llama-bpe" if family == "llama" else "qwen2"),
           gguf_kv("tokenizer.ggml.tokens", GGUF_ARR, tokens, GGUF_STR),
           gguf_kv("tokenizer.ggml.token_type", GGUF_ARR, types, GGUF_I32),
           gguf_kv("tokenizer.ggml.merges", GGUF_ARR, merges, GGUF_STR)]
    if family == "llama":
        ids = dict(bos=first, eos=first + 1, eot=first + 2)
        kvs += [gguf_kv("tokenizer.ggml.add_bos_token", GGUF_BOOL, 1),
                gguf_kv("tokenizer.chat_template", GGUF_STR, LLAMA3_TEMPLATE)]
    else:
        ids = dict(bos=first, eos=first + 2, padding=first)
        kvs += [gguf_kv("tokenizer.ggml.add_bos_token", GGUF_BOOL, 0),
                gguf_kv("tokenizer.chat_template", GGUF_STR, CHATML_TEMPLATE)]
    kvs += [gguf_kv(f"tokenizer.ggml.{k}_token_id", GGUF_U32, v) for k, v in ids.items()]
    return kvs, ids


def hf_config(family, tied, scaled, dtype, ids, vocab=VOCAB):
    s = dict(SHAPE, vocab=vocab)
    cfg = {"architectures": ["LlamaForCausalLM" if family == "llama" else "Qwen2ForCausalLM"],
           "model_type": family, "hidden_size": s["hidden"], "intermediate_size": s["ffn"],
           "num_hidden_layers": s["layers"], "num_attention_heads": s["heads"],
           "num_key_value_heads": s["kv_heads"], "head_dim": s["hidden"] // s["heads"],
           "hidden_act": "silu", "rms_norm_eps": RMS_EPS, "rope_theta": ROPE_THETA,
           "rope_scaling": dict(LLAMA3_SCALING) if scaled else None,
           "max_position_embeddings": s["ctx"], "vocab_size": s["vocab"], "tie_word_embeddings": tied,
           "torch_dtype": {"F16": "float16", "BF16": "bfloat16"}.get(dtype, "float32"),
           "bos_token_id": ids["bos"], "eos_token_id": ids["eos"]}
    if family == "llama":
        cfg.update(attention_bias=False, mlp_bias=False)
    else:
        cfg.update(use_sliding_window=False, sliding_window=4096, max_window_layers=s["layers"])
    return cfg


def write_model(out_dir, name):
    byte_level = name in BYTE_MODELS
    family, tied, scaled, tname, seed = BYTE_MODELS[name] if byte_level else MODELS[name]
    merges = [] if byte_level else MERGES
    vocab = VOCAB_BYTES + len(merges) + 3
    s = dict(SHAPE, vocab=vocab)
    hd = s["hidden"] // s["heads"]
    weights = make_weights(family, tied, seed, vocab)
    if byte_level:  # ASCII bytes and the end token (qwen2: <|im_end|>, the last id)
        weights = ascii_only(weights, list(range(128)) + [vocab - 1])
    st_tensors, gguf_tensors = {}, []
    for hf, w in weights.items():
        matrix = w.ndim == 2
        if tname == "F16":
            w = w.astype(np.float16).astype(np.float32)
            st_tensors[hf] = ("F16", w.shape, w.astype(np.float16).tobytes())
        elif tname == "BF16":
            w = bf16_to_f32(bf16_bits(w))
            st_tensors[hf] = ("BF16", w.shape, bf16_bits(w).tobytes())
        g = w
        if family == "llama" and (".q_proj." in hf or ".k_proj." in hf):
            g = permute(w, s["heads"] if ".q_proj." in hf else s["kv_heads"])
        if not matrix or tname == "F32":
            gguf_tensors.append((gguf_name(hf), w.shape, "F32", g.astype(np.float32).tobytes()))
        elif tname == "F16":
            gguf_tensors.append((gguf_name(hf), w.shape, "F16", g.astype(np.float16).tobytes()))
        elif tname == "BF16":
            gguf_tensors.append((gguf_name(hf), w.shape, "BF16", bf16_bits(g).tobytes()))
        else:
            raw, deq = (quantize_q8_0 if tname == "Q8_0" else quantize_q4_0)(g)
            gguf_tensors.append((gguf_name(hf), w.shape, tname, raw))
            # Row permutation commutes with row-wise block quantization: undo it on the dequant.
            w = quantize_q8_0(w)[1] if tname == "Q8_0" else quantize_q4_0(w)[1]
        if tname not in ("F16", "BF16"):
            st_tensors[hf] = ("F32", w.shape, w.astype(np.float32).tobytes())
    if scaled:
        f = llama3_factors(hd)
        gguf_tensors.append(("rope_freqs.weight", f.shape, "F32", f.tobytes()))

    arch = family
    kvs = [gguf_kv("general.architecture", GGUF_STR, arch), gguf_kv("general.name", GGUF_STR, "braid-" + name),
           gguf_kv("general.alignment", GGUF_U32, ALIGN),
           gguf_kv(f"{arch}.context_length", GGUF_U32, s["ctx"]),
           gguf_kv(f"{arch}.embedding_length", GGUF_U32, s["hidden"]),
           gguf_kv(f"{arch}.block_count", GGUF_U32, s["layers"]),
           gguf_kv(f"{arch}.feed_forward_length", GGUF_U32, s["ffn"]),
           gguf_kv(f"{arch}.attention.head_count", GGUF_U32, s["heads"]),
           gguf_kv(f"{arch}.attention.head_count_kv", GGUF_U32, s["kv_heads"]),
           gguf_kv(f"{arch}.attention.layer_norm_rms_epsilon", GGUF_F32, RMS_EPS),
           gguf_kv(f"{arch}.rope.freq_base", GGUF_F32, ROPE_THETA),
           gguf_kv(f"{arch}.rope.dimension_count", GGUF_U32, hd),
           gguf_kv(f"{arch}.vocab_size", GGUF_U32, s["vocab"])]
    if tname in ("Q8_0", "Q4_0"):
        kvs.append(gguf_kv("general.quantization_version", GGUF_U32, 2))
    tok_kvs, ids = tokenizer_kvs(family, merges)
    write_gguf(os.path.join(out_dir, name + ".gguf"), kvs + tok_kvs, gguf_tensors)

    model_dir = os.path.join(out_dir, name)
    os.makedirs(model_dir, exist_ok=True)
    write_safetensors(os.path.join(model_dir, "model.safetensors"), st_tensors)
    with open(os.path.join(model_dir, "config.json"), "w") as f:
        json.dump(hf_config(family, tied, scaled, tname, ids, vocab), f, indent=2)
    return {"name": name, "family": family, "tied": tied, "llama3_scaling": scaled, "gguf_type": tname,
            "gguf": name + ".gguf", "safetensors_dir": name, "vocab": s["vocab"], "bos": ids["bos"],
            "eos": ids["eos"]}


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out_dir, names = argv[1], argv[2:] or list(MODELS)
    os.makedirs(out_dir, exist_ok=True)
    manifest = [write_model(out_dir, n) for n in names]
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
