#pragma once
// KvLayout: the shape of the paged KV cache, and the small value types the cache hands out.
//
// Memory layout of one block (fp32, contiguous, `floats_per_block()` floats):
//
//     [layer][K | V][kv_head][slot][head_dim]
//
// so for a fixed (block, layer, kv_head) the keys of the block's `block_size` slots are one
// contiguous [block_size, head_dim] row-major matrix, and so are the values. Attention walks a
// block one (layer, kv_head) at a time and reads K and V rows sequentially, which is why the head
// axis sits outside the slot axis. Blocks follow each other in one arena (BlockPool).

#include <cstddef>
#include <cstdint>

#include "backends/local/model/model_config.hpp"

namespace braid::backends::local {

// Index of a block in a BlockPool's arena.
using BlockId = std::uint32_t;

struct KvLayout {
    static constexpr std::size_t default_block_size = 16;  // tokens per block (engine.md)

    std::size_t n_layers = 0;
    std::size_t n_kv_heads = 0;
    std::size_t head_dim = 0;
    std::size_t block_size = default_block_size;

    static KvLayout from_config(const ModelConfig& config,
                                std::size_t block_size = default_block_size) {
        return KvLayout{static_cast<std::size_t>(config.n_layers),
                        static_cast<std::size_t>(config.n_kv_heads),
                        static_cast<std::size_t>(config.head_dim), block_size};
    }

    bool valid() const { return n_layers > 0 && n_kv_heads > 0 && head_dim > 0 && block_size > 0; }

    // Floats of one [slot][head_dim] matrix: the keys (or values) of one kv head in one block.
    std::size_t floats_per_head() const { return block_size * head_dim; }
    // Floats of one layer inside a block: K and V for every kv head.
    std::size_t floats_per_layer() const { return 2 * n_kv_heads * floats_per_head(); }
    std::size_t floats_per_block() const { return n_layers * floats_per_layer(); }
    std::size_t bytes_per_block() const { return floats_per_block() * sizeof(float); }
    // Floats of one token's K (or V) row across all kv heads: what a K/V projection produces.
    std::size_t kv_row_floats() const { return n_kv_heads * head_dim; }
};

// Where one token's K/V goes: returned by KvSequence::append / Segment::append so the forward
// pass can write the token's (already RoPE-rotated) key and its value there.
struct KvSlot {
    BlockId block = 0;
    std::uint32_t slot = 0;      // 0 .. block_size-1 inside `block`
    std::int64_t position = 0;   // the position the key must be RoPE-rotated at
};

}  // namespace braid::backends::local
