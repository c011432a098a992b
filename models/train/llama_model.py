"""A Llama-architecture decoder in torch, laid out as Hugging Face's LlamaForCausalLM so the GGUF
exporter (export_gguf.py) maps it tensor for tensor: RMSNorm, rotate_half RoPE, grouped-query
attention without biases, SwiGLU feed-forward, embeddings tied to the output.

torch 1.13 (Debian) has no scaled_dot_product_attention: attention is written out. `forward`
takes an optional KV cache so held-out evaluation can decode greedily without recomputing.
"""
import dataclasses
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclasses.dataclass
class Config:
    vocab: int
    dim: int = 128
    layers: int = 4
    heads: int = 4
    kv_heads: int = 4
    ffn: int = 384
    ctx: int = 512
    rope_theta: float = 10000.0
    eps: float = 1e-5

    @property
    def head_dim(self):
        return self.dim // self.heads


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(cfg, positions):
    inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float32) / cfg.head_dim))
    angles = positions.float()[:, None] * inv[None, :]
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos(), angles.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.input_layernorm = RMSNorm(cfg.dim, cfg.eps)
        self.q_proj = nn.Linear(cfg.dim, cfg.heads * hd, bias=False)
        self.k_proj = nn.Linear(cfg.dim, cfg.kv_heads * hd, bias=False)
        self.v_proj = nn.Linear(cfg.dim, cfg.kv_heads * hd, bias=False)
        self.o_proj = nn.Linear(cfg.heads * hd, cfg.dim, bias=False)
        self.post_attention_layernorm = RMSNorm(cfg.dim, cfg.eps)
        self.gate_proj = nn.Linear(cfg.dim, cfg.ffn, bias=False)
        self.up_proj = nn.Linear(cfg.dim, cfg.ffn, bias=False)
        self.down_proj = nn.Linear(cfg.ffn, cfg.dim, bias=False)

    def forward(self, x, cos, sin, cache=None):
        cfg, (b, t, _) = self.cfg, x.shape
        hd = cfg.head_dim
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, cfg.heads, hd).transpose(1, 2)
        k = self.k_proj(h).view(b, t, cfg.kv_heads, hd).transpose(1, 2)
        v = self.v_proj(h).view(b, t, cfg.kv_heads, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            if cache.get("k") is not None:
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        rep = cfg.heads // cfg.kv_heads
        if rep > 1:
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        scores = (q * (1.0 / math.sqrt(hd))) @ k.transpose(-1, -2)
        total = k.shape[2]
        # Query i (at absolute position total - t + i) sees keys 0 .. total - t + i.
        mask = torch.ones(t, total, dtype=torch.bool).triu(total - t + 1)
        scores = scores.masked_fill(mask, float("-inf"))
        att = F.softmax(scores, dim=-1) @ v
        x = x + self.o_proj(att.transpose(1, 2).reshape(b, t, cfg.heads * hd))
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class LlamaModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab, cfg.dim)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = RMSNorm(cfg.dim, cfg.eps)
        self.apply(self._init)
        # GPT-2-style scaled init of the residual projections.
        for blk in self.blocks:
            for lin in (blk.o_proj, blk.down_proj):
                nn.init.normal_(lin.weight, std=0.02 / math.sqrt(2 * cfg.layers))

    @staticmethod
    def _init(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)

    def forward(self, ids, caches=None, start=0):
        """ids [batch, time] -> logits [batch, time, vocab]; `caches` (one dict per layer) and
        `start` (the position of ids[:, 0]) for incremental decoding."""
        positions = torch.arange(start, start + ids.shape[1])
        cos, sin = rope_tables(self.cfg, positions)
        x = self.embed_tokens(ids)
        for i, blk in enumerate(self.blocks):
            x = blk(x, cos, sin, None if caches is None else caches[i])
        return self.norm(x) @ self.embed_tokens.weight.t()

    def parameter_count(self):
        return sum(p.numel() for p in self.parameters())
