"""GGUF v3 writing and the GPT-2 byte map, shared by braid's Python model writers
(models/train/export_gguf.py, tests/backends_local/tiny_models.py). numpy only.

Format facts (../../shared/reference/engine.md): little-endian; header "GGUF", version, tensor
count, metadata count; metadata key/values; tensor infos (name, dims innermost first, ggml type,
offset into the data section); the data section aligned to 32 bytes.
"""
import struct

GGML = {"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 8, "BF16": 30}
GGUF_U8, GGUF_U32, GGUF_I32, GGUF_F32, GGUF_BOOL, GGUF_STR, GGUF_ARR = 0, 4, 5, 6, 7, 8, 9
ALIGN = 32


def gguf_str(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gguf_scalar(vtype, v):
    fmt = {GGUF_U8: "<B", GGUF_U32: "<I", GGUF_I32: "<i", GGUF_F32: "<f", GGUF_BOOL: "<B"}
    return gguf_str(v) if vtype == GGUF_STR else struct.pack(fmt[vtype], v)


def gguf_kv(key, vtype, value, elem_type=None):
    """One metadata entry; arrays take `elem_type`."""
    out = gguf_str(key) + struct.pack("<I", vtype)
    if vtype == GGUF_ARR:
        out += struct.pack("<IQ", elem_type, len(value))
        for v in value:
            out += gguf_scalar(elem_type, v)
    else:
        out += gguf_scalar(vtype, value)
    return out


def write_gguf(path, kvs, tensors):
    """kvs: encoded entries (gguf_kv); tensors: list of (name, numpy shape in row-major order,
    ggml type name, raw bytes). Dims are written reversed, as ggml orders them."""
    infos, data, offset = b"", b"", 0
    for name, shape, tname, raw in tensors:
        dims = list(reversed(shape))
        infos += gguf_str(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", GGML[tname], offset)
        pad = (-len(raw)) % ALIGN
        data += raw + b"\0" * pad
        offset += len(raw) + pad
    head = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs)) + b"".join(kvs) + infos
    head += b"\0" * ((-len(head)) % ALIGN)
    with open(path, "wb") as f:
        f.write(head + data)


def bytes_to_unicode():
    """GPT-2's byte -> printable unicode character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def permute_for_gguf(w, n_head):
    """llama.cpp's converter for the llama arch: Q/K rows from HF rotate_half order to the
    interleaved pairs ggml's RoPE reads."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)
