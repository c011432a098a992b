"""The tokenizer of braid's Countdown models: byte-level BPE (GGUF `tokenizer.ggml.model` "gpt2")
with the qwen2 pre-tokenizer, fitted to the trace language.

The qwen2 pre-tokenizer splits text into pieces (words with their leading space or punctuation,
single digits, punctuation runs with their trailing newlines) and BPE merges only inside a piece.
So every digit stays its own token — the models do arithmetic digit by digit, as a character
model does — while each word and punctuation run of the traces ("Exploring", " Operation",
"],", " ['", ">\\n") becomes one token. braid's engine and llama.cpp both implement this
pre-tokenizer; encode() here must give the very ids they give (tests check it against braid).

Traces are ASCII, so the pre-tokenizer below is the qwen2 regex with its Unicode classes written
for ASCII:  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|
\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+
"""
import collections
import json
import re

from gguf_file import bytes_to_unicode

PIECE = re.compile(r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\nA-Za-z0-9]?[A-Za-z]+|[0-9]| ?[^\sA-Za-z0-9]+[\r\n]*"
                   r"|\s*[\r\n]+|\s+(?!\S)|\s+")
BOS = "<|begin_of_text|>"
EOS = "<|end_of_text|>"
BYTE = bytes_to_unicode()


def pieces(text):
    if not text.isascii():
        raise ValueError("trace text must be ASCII")
    return PIECE.findall(text)


def symbols(piece):
    return tuple(BYTE[b] for b in piece.encode("ascii"))


def fit(texts, max_merges=1024, min_count=2):
    """BPE merges learned from `texts`: repeatedly merge the most frequent adjacent pair (ties:
    the smaller pair), until no pair occurs `min_count` times or `max_merges` are made."""
    words = collections.Counter()
    for text in texts:
        words.update(pieces(text))
    split = {w: list(symbols(w)) for w in words}
    merges = []
    while len(merges) < max_merges:
        pairs = collections.Counter()
        for w, n in words.items():
            s = split[w]
            for a, b in zip(s, s[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        best = min(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
        if best[1] < min_count:
            break
        a, b = best[0]
        merges.append((a, b))
        for w in words:
            s, out, i = split[w], [], 0
            while i < len(s):
                if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(s[i])
                    i += 1
            split[w] = out
    return merges


class Tokenizer:
    """Vocabulary: the 256 byte symbols (id = byte value), then one token per merge, then BOS and
    EOS (control tokens)."""

    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.rank = {m: i for i, m in enumerate(self.merges)}
        self.tokens = [BYTE[b] for b in range(256)] + [a + b for a, b in self.merges] + [BOS, EOS]
        self.id = {t: i for i, t in enumerate(self.tokens)}
        if len(self.id) != len(self.tokens):
            raise ValueError("merges produce a duplicate token")
        self.bos = self.id[BOS]
        self.eos = self.id[EOS]
        self.cache = {}
        self.unbyte = {c: b for b, c in BYTE.items()}

    def __len__(self):
        return len(self.tokens)

    def encode_piece(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        s = list(symbols(piece))
        while len(s) > 1:
            ranked = [(self.rank.get((a, b), len(self.rank)), i) for i, (a, b) in enumerate(zip(s, s[1:]))]
            r, i = min(ranked)
            if r == len(self.rank):
                break
            s[i:i + 2] = [s[i] + s[i + 1]]
        ids = [self.id[t] for t in s]
        self.cache[piece] = ids
        return ids

    def encode(self, text):
        out = []
        for p in pieces(text):
            out.extend(self.encode_piece(p))
        return out

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            if i in (self.bos, self.eos):
                continue
            out.extend(self.unbyte[c] for c in self.tokens[i])
        return out.decode("utf-8", errors="replace")

    def save(self, path):
        with open(path, "w") as f:
            json.dump({"merges": [list(m) for m in self.merges]}, f)

    @staticmethod
    def load(path):
        with open(path) as f:
            return Tokenizer(json.load(f)["merges"])
