#include "backends/local/gguf/dtype_convert.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace braid::backends::local {

namespace {

constexpr int k_q4_0_offset = 8;  // Q4_0 stores q + 8 in a nibble
constexpr float k_q8_0_max_q = 127.0f;

std::uint16_t load_u16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

void store_u16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v & 0xFF);
    p[1] = static_cast<std::uint8_t>(v >> 8);
}

std::uint32_t load_u32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

void store_u32(std::uint8_t* p, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Error size_error(GgmlType type, std::size_t n_elems, std::size_t n_bytes) {
    return make_error(ErrorCode::invalid_input,
                      std::string(ggml_type_traits(type).name) + ": " + std::to_string(n_elems) +
                          " elements do not match " + std::to_string(n_bytes) + " bytes");
}

// The byte size of n elements of `type`, or nullopt when n is not a whole number of blocks.
std::optional<std::size_t> byte_size(GgmlType type, std::size_t n_elems) {
    GgmlTypeTraits t = ggml_type_traits(type);
    if (n_elems % t.block_elems != 0) return std::nullopt;
    return n_elems / t.block_elems * t.block_bytes;
}

void quantize_q8_0_block(const float* x, std::uint8_t* block) {
    float amax = 0.0f;
    for (std::uint32_t j = 0; j < k_q8_0_block_elems; ++j) amax = std::max(amax, std::fabs(x[j]));
    float d = amax / k_q8_0_max_q;
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_u16(block, fp32_to_fp16(d));
    for (std::uint32_t j = 0; j < k_q8_0_block_elems; ++j) {
        auto q = static_cast<std::int8_t>(std::round(x[j] * id));
        block[2 + j] = static_cast<std::uint8_t>(q);
    }
}

void quantize_q4_0_block(const float* x, std::uint8_t* block) {
    float amax = 0.0f;
    float max = 0.0f;  // the value of largest magnitude, sign kept
    for (std::uint32_t j = 0; j < k_q4_0_block_elems; ++j) {
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    float d = max / -static_cast<float>(k_q4_0_offset);
    float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_u16(block, fp32_to_fp16(d));
    constexpr std::uint32_t half = k_q4_0_block_elems / 2;
    for (std::uint32_t j = 0; j < half; ++j) {
        // ggml truncates toward zero after adding 8.5, i.e. rounds to nearest, clamped to 15.
        int lo = std::min(15, static_cast<int>(static_cast<std::int8_t>(x[j] * id + 8.5f)));
        int hi = std::min(15, static_cast<int>(static_cast<std::int8_t>(x[half + j] * id + 8.5f)));
        block[2 + j] = static_cast<std::uint8_t>(lo | (hi << 4));
    }
}

}  // namespace

float fp16_to_fp32(std::uint16_t bits) {
    std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
    std::uint32_t exp = (bits >> 10) & 0x1Fu;
    std::uint32_t mant = bits & 0x3FFu;
    std::uint32_t out;
    if (exp == 0x1F) {
        out = sign | 0x7F800000u | (mant << 13);  // inf / NaN (payload kept)
    } else if (exp != 0) {
        out = sign | ((exp + 112u) << 23) | (mant << 13);  // rebias 15 -> 127
    } else if (mant == 0) {
        out = sign;  // signed zero
    } else {
        // Subnormal half: mant * 2^-24, normalised for fp32.
        int shift = 0;
        while ((mant & 0x400u) == 0) {
            mant <<= 1;
            ++shift;
        }
        mant &= 0x3FFu;
        out = sign | (static_cast<std::uint32_t>(113 - shift) << 23) | (mant << 13);
    }
    return std::bit_cast<float>(out);
}

std::uint16_t fp32_to_fp16(float value) {
    std::uint32_t x = std::bit_cast<std::uint32_t>(value);
    auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
    std::uint32_t abs = x & 0x7FFFFFFFu;
    if (abs >= 0x7F800000u) {  // inf or NaN
        std::uint16_t nan_bit = abs > 0x7F800000u ? 0x200u : 0u;
        return static_cast<std::uint16_t>(sign | 0x7C00u | nan_bit);
    }
    if (abs >= 0x477FF000u) return static_cast<std::uint16_t>(sign | 0x7C00u);  // rounds to inf
    if (abs < 0x38800000u) {
        // Result is subnormal (or zero): value / 2^-24 rounded to nearest even.
        if (abs < 0x33000000u) return sign;  // below half the smallest subnormal
        std::uint32_t exp = abs >> 23;
        std::uint32_t mant = (abs & 0x7FFFFFu) | 0x800000u;
        // value = mant * 2^(exp-150) and the half subnormal unit is 2^-24, so q = mant >> shift.
        std::uint32_t shift = 126u - exp;
        std::uint32_t q = mant >> shift;
        std::uint32_t rem = mant & ((1u << shift) - 1u);
        std::uint32_t halfway = 1u << (shift - 1u);
        if (rem > halfway || (rem == halfway && (q & 1u))) ++q;
        return static_cast<std::uint16_t>(sign | q);
    }
    // Normal: keep 10 mantissa bits, round to nearest even (a carry may bump the exponent).
    std::uint32_t rebased = abs - (112u << 23);
    std::uint32_t q = rebased >> 13;
    std::uint32_t rem = rebased & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (q & 1u))) ++q;
    return static_cast<std::uint16_t>(sign | q);
}

float bf16_to_fp32(std::uint16_t bits) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

std::uint16_t fp32_to_bf16(float value) {
    std::uint32_t x = std::bit_cast<std::uint32_t>(value);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
    x += 0x7FFFu + ((x >> 16) & 1u);
    return static_cast<std::uint16_t>(x >> 16);
}

bool ggml_type_convertible(GgmlType type) {
    switch (type) {
        case GgmlType::f32:
        case GgmlType::f16:
        case GgmlType::bf16:
        case GgmlType::q8_0:
        case GgmlType::q4_0:
            return true;
        default:
            return false;
    }
}

Result<void> convert_to_f32(GgmlType type, std::span<const std::uint8_t> bytes,
                            std::span<float> out) {
    if (!ggml_type_convertible(type))
        return make_error(ErrorCode::invalid_input, std::string("tensor type ") +
                                                        ggml_type_traits(type).name +
                                                        " cannot be converted to fp32");
    auto expected = byte_size(type, out.size());
    if (!expected || *expected != bytes.size()) return size_error(type, out.size(), bytes.size());
    const std::uint8_t* p = bytes.data();
    switch (type) {
        case GgmlType::f32:
            for (std::size_t i = 0; i < out.size(); ++i)
                out[i] = std::bit_cast<float>(load_u32(p + 4 * i));
            break;
        case GgmlType::f16:
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = fp16_to_fp32(load_u16(p + 2 * i));
            break;
        case GgmlType::bf16:
            for (std::size_t i = 0; i < out.size(); ++i) out[i] = bf16_to_fp32(load_u16(p + 2 * i));
            break;
        case GgmlType::q8_0:
            for (std::size_t b = 0; b < out.size() / k_q8_0_block_elems; ++b) {
                const std::uint8_t* block = p + b * k_q8_0_block_bytes;
                float d = fp16_to_fp32(load_u16(block));
                float* y = out.data() + b * k_q8_0_block_elems;
                for (std::uint32_t j = 0; j < k_q8_0_block_elems; ++j)
                    y[j] = static_cast<float>(static_cast<std::int8_t>(block[2 + j])) * d;
            }
            break;
        case GgmlType::q4_0:
            for (std::size_t b = 0; b < out.size() / k_q4_0_block_elems; ++b) {
                const std::uint8_t* block = p + b * k_q4_0_block_bytes;
                float d = fp16_to_fp32(load_u16(block));
                float* y = out.data() + b * k_q4_0_block_elems;
                constexpr std::uint32_t half = k_q4_0_block_elems / 2;
                // Low nibbles are the first half of the block, high nibbles the second half.
                for (std::uint32_t j = 0; j < half; ++j) {
                    y[j] = static_cast<float>((block[2 + j] & 0x0F) - k_q4_0_offset) * d;
                    y[j + half] = static_cast<float>((block[2 + j] >> 4) - k_q4_0_offset) * d;
                }
            }
            break;
        default:
            break;
    }
    return {};
}

Result<std::vector<std::uint8_t>> encode_from_f32(GgmlType type, std::span<const float> values) {
    if (!ggml_type_convertible(type))
        return make_error(
            ErrorCode::invalid_input,
            std::string("tensor type ") + ggml_type_traits(type).name + " cannot be encoded");
    auto n_bytes = byte_size(type, values.size());
    if (!n_bytes) return size_error(type, values.size(), 0);
    std::vector<std::uint8_t> out(*n_bytes);
    std::uint8_t* p = out.data();
    switch (type) {
        case GgmlType::f32:
            for (std::size_t i = 0; i < values.size(); ++i)
                store_u32(p + 4 * i, std::bit_cast<std::uint32_t>(values[i]));
            break;
        case GgmlType::f16:
            for (std::size_t i = 0; i < values.size(); ++i)
                store_u16(p + 2 * i, fp32_to_fp16(values[i]));
            break;
        case GgmlType::bf16:
            for (std::size_t i = 0; i < values.size(); ++i)
                store_u16(p + 2 * i, fp32_to_bf16(values[i]));
            break;
        case GgmlType::q8_0:
            for (std::size_t b = 0; b < values.size() / k_q8_0_block_elems; ++b)
                quantize_q8_0_block(values.data() + b * k_q8_0_block_elems,
                                    p + b * k_q8_0_block_bytes);
            break;
        case GgmlType::q4_0:
            for (std::size_t b = 0; b < values.size() / k_q4_0_block_elems; ++b)
                quantize_q4_0_block(values.data() + b * k_q4_0_block_elems,
                                    p + b * k_q4_0_block_bytes);
            break;
        default:
            break;
    }
    return out;
}

}  // namespace braid::backends::local
