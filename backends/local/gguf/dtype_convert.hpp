#pragma once
// Conversions between fp32 and the stored element types the loaders accept: IEEE half (F16),
// bfloat16 (BF16), and ggml's Q8_0 / Q4_0 blocks (layouts in engine.md §1.1).
//
// Decoding is exact: every F16/BF16 value and every block's `d * q` product is computed in fp32
// exactly as ggml's reference code does, so two decoders agree bit for bit. Encoding (used by the
// GGUF writer and tests) rounds to nearest even for F16/BF16 and follows ggml's reference
// quantizers (quantize_row_q8_0_ref / quantize_row_q4_0_ref) for the blocks.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "backends/local/gguf/ggml_type.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

float fp16_to_fp32(std::uint16_t bits);
std::uint16_t fp32_to_fp16(float value);  // round to nearest even; NaN stays NaN
float bf16_to_fp32(std::uint16_t bits);
std::uint16_t fp32_to_bf16(float value);  // round to nearest even; NaN stays NaN

// True for the types convert_to_f32 / encode_from_f32 handle: F32, F16, BF16, Q8_0, Q4_0.
bool ggml_type_convertible(GgmlType type);

// Decodes `out.size()` elements stored as `type` in `bytes` (little-endian, unaligned allowed).
// Errors (invalid_input): an unsupported type, an element count that is not a whole number of
// blocks, or `bytes` not exactly the size those elements take.
Result<void> convert_to_f32(GgmlType type, std::span<const std::uint8_t> bytes,
                            std::span<float> out);

// Encodes `values` as `type`. Errors as for convert_to_f32.
Result<std::vector<std::uint8_t>> encode_from_f32(GgmlType type, std::span<const float> values);

}  // namespace braid::backends::local
