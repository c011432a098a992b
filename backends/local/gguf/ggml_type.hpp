#pragma once
// GgmlType: the tensor element types a GGUF file can name (ggml's `enum ggml_type` ids), with the
// block geometry the reader needs to size tensor data. Every id listed here can be parsed; only
// f32, f16, bf16, q8_0 and q4_0 can be converted to fp32 (dtype_convert.hpp).

#include <cstdint>
#include <optional>
#include <string>

namespace braid::backends::local {

enum class GgmlType : std::uint32_t {
    f32 = 0,
    f16 = 1,
    q4_0 = 2,
    q4_1 = 3,
    q5_0 = 6,
    q5_1 = 7,
    q8_0 = 8,
    q8_1 = 9,
    q2_k = 10,
    q3_k = 11,
    q4_k = 12,
    q5_k = 13,
    q6_k = 14,
    q8_k = 15,
    i8 = 24,
    i16 = 25,
    i32 = 26,
    i64 = 27,
    f64 = 28,
    bf16 = 30,
};

struct GgmlTypeTraits {
    const char* name;           // "F32", "Q8_0", ... as ggml spells them
    std::uint32_t block_elems;  // elements per block (1 for plain types)
    std::uint32_t block_bytes;  // bytes per block
};

// The type for a raw id, or nullopt for ids this reader does not know (retired or newer types).
std::optional<GgmlType> ggml_type_from_id(std::uint32_t id);

GgmlTypeTraits ggml_type_traits(GgmlType type);

// "F32", "Q4_0", ...; "type#<id>" for an unknown id (for messages).
std::string ggml_type_name(std::uint32_t id);

inline constexpr std::uint32_t k_q8_0_block_elems = 32;
inline constexpr std::uint32_t k_q8_0_block_bytes = 34;  // fp16 d + int8 qs[32]
inline constexpr std::uint32_t k_q4_0_block_elems = 32;
inline constexpr std::uint32_t k_q4_0_block_bytes = 18;  // fp16 d + uint8 qs[16]

}  // namespace braid::backends::local
