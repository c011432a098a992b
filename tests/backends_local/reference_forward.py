#!/usr/bin/python3
"""numpy reference forward pass for Llama/Qwen2 models: the logits oracle for braid's engine.

Usage:
  reference_forward.py MODEL --tokens 1,2,3 [--out logits.f32] [--print]
  reference_forward.py --self-check DIR      (DIR written by tiny_models.py)

MODEL is a folder with config.json + model.safetensors, or a .gguf file (F32/F16/BF16/Q8_0/Q4_0;
llama-arch Q/K rows are un-permuted, llama3 scaling read from rope_freqs.weight). Prints the
logits' shape and checksum; --out writes them as little-endian float32, row-major [tokens, vocab];
--print prints them. Math in float64 (RMSNorm, rotate_half RoPE with llama3 scaling, causal GQA
attention, SwiGLU, optional q/k/v bias, tied or untied head). Independent of braid's C++ code.
"""
import json
import math
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack_from("<Q", blob, 0)
    header, base, out = json.loads(blob[8:8 + n]), 8 + n, {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        raw = blob[base + e["data_offsets"][0]:base + e["data_offsets"][1]]
        if e["dtype"] == "BF16":
            a = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(raw, {"F32": "<f4", "F16": "<f2"}[e["dtype"]]).astype(np.float32)
        out[name] = a.reshape(e["shape"])
    return out


def read_gguf(path):
    """(metadata dict, {name: float32 array in numpy order, i.e. dims reversed})."""
    with open(path, "rb") as f:
        b = f.read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from("<" + fmt, b, pos)
        pos += struct.calcsize("<" + fmt)
        return v[0]

    def string():
        nonlocal pos
        n = take("Q")
        pos += n
        return b[pos - n:pos].decode("utf-8")

    fmts = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}

    def value(t):
        if t == 8:
            return string()
        if t == 9:
            et, n = take("I"), take("Q")
            return [value(et) for _ in range(n)]
        return take(fmts[t])

    assert b[:4] == b"GGUF" and take("4s") and take("I") == 3
    n_tensors, n_kv = take("Q"), take("Q")
    meta = {}
    for _ in range(n_kv):
        k = string()
        meta[k] = value(take("I"))
    infos = []
    for _ in range(n_tensors):
        name, nd = string(), take("I")
        dims = [take("Q") for _ in range(nd)]
        infos.append((name, dims, take("I"), take("Q")))
    align = meta.get("general.alignment", 32)
    data = (pos + align - 1) // align * align
    tensors = {}
    for name, dims, t, off in infos:
        n = int(np.prod(dims))
        start = data + off
        if t == 0:
            a = np.frombuffer(b, "<f4", n, start)
        elif t == 1:
            a = np.frombuffer(b, "<f2", n, start).astype(np.float32)
        elif t == 30:
            a = (np.frombuffer(b, "<u2", n, start).astype(np.uint32) << 16).view(np.float32)
        elif t in (8, 2):  # Q8_0: f16 d + 32 int8; Q4_0: f16 d + 16 bytes (low nibbles first)
            size = 34 if t == 8 else 18
            blk = np.frombuffer(b, np.uint8, n // 32 * size, start).reshape(-1, size)
            d = blk[:, :2].copy().view("<f2").astype(np.float32)
            if t == 8:
                q = blk[:, 2:].view(np.int8).astype(np.float32)
            else:
                q = np.concatenate([blk[:, 2:] & 15, blk[:, 2:] >> 4], axis=1).astype(np.float32) - 8
            a = (q * d).reshape(-1)
        else:
            raise ValueError(f"{name}: unsupported ggml type {t}")
        tensors[name] = a.reshape(list(reversed(dims))).astype(np.float32)
    return meta, tensors


def unpermute(w, n_head):
    """Inverse of llama.cpp's LlamaModel.permute: interleaved rows -> HF rotate_half rows."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def load_gguf(path, unpermute_qk=True):
    meta, t = read_gguf(path)
    arch = meta["general.architecture"]
    m = lambda k, d=None: meta.get(f"{arch}.{k}", d)
    heads = m("attention.head_count")
    cfg = dict(family=arch, hidden=m("embedding_length"), layers=m("block_count"), heads=heads,
               kv_heads=m("attention.head_count_kv", heads), eps=m("attention.layer_norm_rms_epsilon"),
               theta=m("rope.freq_base", 10000.0), rope_factors=t.get("rope_freqs.weight"))
    cfg["head_dim"] = m("attention.key_length", cfg["hidden"] // heads)
    names = {"attn_norm.weight": "input_layernorm.weight", "ffn_norm.weight": "post_attention_layernorm.weight",
             "attn_output.weight": "self_attn.o_proj.weight", "ffn_gate.weight": "mlp.gate_proj.weight",
             "ffn_up.weight": "mlp.up_proj.weight", "ffn_down.weight": "mlp.down_proj.weight"}
    w = {"embed": t["token_embd.weight"], "norm": t["output_norm.weight"], "head": t.get("output.weight")}
    for name, a in t.items():
        if name.startswith("blk."):
            _, l, rest = name.split(".", 2)
            if rest.startswith("attn_") and rest[5] in "qkv" and rest[6] == ".":
                if arch == "llama" and rest[5] in "qk" and unpermute_qk:
                    a = unpermute(a, heads if rest[5] == "q" else cfg["kv_heads"])
                rest = f"self_attn.{rest[5]}_proj.{rest[7:]}"
            w[f"{l}.{names.get(rest, rest)}"] = a
    return cfg, w


def load_safetensors_dir(path):
    with open(os.path.join(path, "config.json")) as f:
        c = json.load(f)
    t = read_safetensors(os.path.join(path, "model.safetensors"))
    heads = c["num_attention_heads"]
    cfg = dict(family=c["model_type"], hidden=c["hidden_size"], layers=c["num_hidden_layers"], heads=heads,
               kv_heads=c.get("num_key_value_heads", heads), head_dim=c.get("head_dim", c["hidden_size"] // heads),
               eps=c["rms_norm_eps"], theta=c.get("rope_theta", 10000.0), rope_factors=None)
    sc = c.get("rope_scaling") or {}
    if sc.get("rope_type", sc.get("type")) == "llama3":
        cfg["rope_factors"] = llama3_factors(cfg, sc)
    w = {"embed": t["model.embed_tokens.weight"], "norm": t["model.norm.weight"],
         "head": None if c.get("tie_word_embeddings") else t["lm_head.weight"]}
    for name, a in t.items():
        if name.startswith("model.layers."):
            w[name[len("model.layers."):]] = a
    return cfg, w


def inv_freq(cfg):
    hd = cfg["head_dim"]
    return 1.0 / float(np.float32(cfg["theta"])) ** (np.arange(0, hd, 2, dtype=np.float64) / hd)


def llama3_factors(cfg, sc):
    """transformers' _compute_llama3_parameters, as divisors of the inverse frequencies."""
    wavelen = 2 * math.pi / inv_freq(cfg)
    l0, lo, hi = sc["original_max_position_embeddings"], sc["low_freq_factor"], sc["high_freq_factor"]
    smooth = (l0 / wavelen - lo) / (hi - lo)
    blended = 1.0 / ((1 - smooth) / sc["factor"] + smooth)
    return np.where(wavelen < l0 / hi, 1.0, np.where(wavelen > l0 / lo, sc["factor"], blended))


def forward(cfg, w, tokens, interleaved=False):
    hd, H, KV, T = cfg["head_dim"], cfg["heads"], cfg["kv_heads"], len(tokens)
    f = inv_freq(cfg) / (1.0 if cfg["rope_factors"] is None else np.asarray(cfg["rope_factors"], np.float64))
    ang = np.arange(T)[:, None] * f[None, :]
    cos, sin = np.concatenate([np.cos(ang)] * 2, 1), np.concatenate([np.sin(ang)] * 2, 1)

    def rope(x):  # x: [T, heads, hd]; rotate_half pairs (i, i + hd/2), or ggml's (2i, 2i+1)
        if interleaved:
            c, s, a, b = cos[:, None, :hd // 2], sin[:, None, :hd // 2], x[..., 0::2], x[..., 1::2]
            return np.stack([a * c - b * s, a * s + b * c], -1).reshape(x.shape)
        x1, x2 = x[..., :hd // 2], x[..., hd // 2:]
        return x * cos[:, None] + np.concatenate([-x2, x1], -1) * sin[:, None]

    eps = float(np.float32(cfg["eps"]))  # the engine holds eps and theta as fp32, like GGUF

    def norm(x, g):
        return x / np.sqrt(np.mean(x * x, -1, keepdims=True) + eps) * g

    W = {k: (None if v is None else np.ascontiguousarray(v, np.float64)) for k, v in w.items()}
    x = W["embed"][tokens]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    for l in range(cfg["layers"]):
        p = f"{l}."
        h = norm(x, W[p + "input_layernorm.weight"])
        q, k, v = (h @ W[p + f"self_attn.{n}_proj.weight"].T + W.get(p + f"self_attn.{n}_proj.bias", 0.0)
                   for n in "qkv")
        q, k, v = rope(q.reshape(T, H, hd)), rope(k.reshape(T, KV, hd)), v.reshape(T, KV, hd)
        out = np.empty((T, H, hd))
        for i in range(H):
            j = i // (H // KV)
            s = q[:, i] @ k[:, j].T / math.sqrt(hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            out[:, i] = (s / s.sum(-1, keepdims=True)) @ v[:, j]
        x = x + out.reshape(T, H * hd) @ W[p + "self_attn.o_proj.weight"].T
        h = norm(x, W[p + "post_attention_layernorm.weight"])
        g, u = h @ W[p + "mlp.gate_proj.weight"].T, h @ W[p + "mlp.up_proj.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ W[p + "mlp.down_proj.weight"].T
    head = W["embed"] if W["head"] is None else W["head"]
    return (norm(x, W["norm"]) @ head.T).astype(np.float32)


def load(path):
    return load_gguf(path) if path.endswith(".gguf") else load_safetensors_dir(path)


def self_check(d):
    """GGUF (un-permuted) and safetensors give identical logits; for llama GGUFs, skipping the
    un-permute changes the logits, while ggml's interleaved RoPE on the stored rows restores them."""
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    tokens = [1, 200, 17, 42, 269, 5, 99, 3]
    for m in manifest:
        cg, wg = load(os.path.join(d, m["gguf"]))
        cs, ws = load(os.path.join(d, m["safetensors_dir"]))
        a, b = forward(cg, wg, tokens), forward(cs, ws, tokens)
        assert np.allclose(forward(cs, ws, tokens[:3]), b[:3], rtol=1e-6, atol=1e-6), "not causal"
        if cs["rope_factors"] is None:  # same weights, same math: bit-identical
            assert np.array_equal(a, b), f"{m['name']}: gguf vs safetensors max diff {np.abs(a - b).max()}"
        else:  # rope_freqs.weight holds fp32 factors; the config's parameters give float64 ones
            assert np.allclose(cg["rope_factors"], cs["rope_factors"], rtol=1e-6), m["name"]
            assert np.allclose(a, b, rtol=1e-5, atol=1e-5), m["name"]
        if m["family"] == "llama":  # stored permuted: un-permuting matters, and the stored order
            cp, wp = load_gguf(os.path.join(d, m["gguf"]), unpermute_qk=False)  # is ggml's pairing
            assert not np.allclose(forward(cp, wp, tokens), a, atol=1e-3), m["name"]
            assert np.allclose(forward(cp, wp, tokens, interleaved=True), a, rtol=1e-5, atol=1e-5), m["name"]
        print(f"ok {m['name']}: {a.shape} logits agree, |logit| max {np.abs(a).max():.3f}")
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--self-check":
        return self_check(argv[2])
    if len(argv) < 4 or argv[2] != "--tokens":
        sys.stderr.write(__doc__)
        return 2
    cfg, w = load(argv[1])
    logits = forward(cfg, w, [int(t) for t in argv[3].split(",")])
    print(f"logits {logits.shape[0]}x{logits.shape[1]} sum {float(logits.astype(np.float64).sum()):.6f}")
    if "--out" in argv:
        logits.astype("<f4").tofile(argv[argv.index("--out") + 1])
    if "--print" in argv:
        np.savetxt(sys.stdout, logits, fmt="%.7g")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
