// F16 / BF16 conversions and hand-built Q8_0 / Q4_0 blocks decode exactly.

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/local/gguf/dtype_convert.hpp"

using namespace braid::backends::local;

TEST_CASE("fp16 decodes known bit patterns exactly", "[backends_local][dtype]") {
    CHECK(fp16_to_fp32(0x0000) == 0.0f);
    CHECK(std::signbit(fp16_to_fp32(0x8000)));
    CHECK(fp16_to_fp32(0x3C00) == 1.0f);
    CHECK(fp16_to_fp32(0xC000) == -2.0f);
    CHECK(fp16_to_fp32(0x3555) == 0.333251953125f);
    CHECK(fp16_to_fp32(0x7BFF) == 65504.0f);
    CHECK(fp16_to_fp32(0x0001) == std::ldexp(1.0f, -24));     // smallest subnormal
    CHECK(fp16_to_fp32(0x03FF) == std::ldexp(1023.0f, -24));  // largest subnormal
    CHECK(fp16_to_fp32(0x0400) == std::ldexp(1.0f, -14));     // smallest normal
    CHECK(fp16_to_fp32(0x7C00) == std::numeric_limits<float>::infinity());
    CHECK(fp16_to_fp32(0xFC00) == -std::numeric_limits<float>::infinity());
    CHECK(std::isnan(fp16_to_fp32(0x7E00)));
}

TEST_CASE("every fp16 value survives fp16 -> fp32 -> fp16", "[backends_local][dtype]") {
    for (std::uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
        auto h = static_cast<std::uint16_t>(bits);
        float f = fp16_to_fp32(h);
        if (std::isnan(f)) {
            CHECK(std::isnan(fp16_to_fp32(fp32_to_fp16(f))));
            continue;
        }
        REQUIRE(fp32_to_fp16(f) == h);
    }
}

TEST_CASE("fp32 -> fp16 rounds to nearest even, overflows to inf", "[backends_local][dtype]") {
    // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1.0).
    CHECK(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)) == 0x3C00);
    // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 and 1 + 2^-9: ties to even (0x3C02).
    CHECK(fp32_to_fp16(1.0f + 3.0f * std::ldexp(1.0f, -11)) == 0x3C02);
    CHECK(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)) == 0x3C01);
    CHECK(fp32_to_fp16(65504.0f) == 0x7BFF);
    CHECK(fp32_to_fp16(65519.0f) == 0x7BFF);
    CHECK(fp32_to_fp16(65520.0f) == 0x7C00);
    CHECK(fp32_to_fp16(1e10f) == 0x7C00);
    CHECK(fp32_to_fp16(-1e10f) == 0xFC00);
    CHECK(fp32_to_fp16(std::ldexp(1.0f, -25)) == 0x0000);  // half the smallest subnormal: even
    CHECK(fp32_to_fp16(std::ldexp(1.5f, -25)) == 0x0001);
    CHECK(fp32_to_fp16(std::ldexp(3.0f, -25)) == 0x0002);     // 1.5 units: ties to even (2)
    CHECK(fp32_to_fp16(std::ldexp(1023.5f, -24)) == 0x0400);  // rounds up into the normals
    CHECK(fp32_to_fp16(1e-10f) == 0x0000);
}

TEST_CASE("bf16 is the upper half of an fp32, rounded to nearest even", "[backends_local][dtype]") {
    CHECK(bf16_to_fp32(0x3F80) == 1.0f);
    CHECK(bf16_to_fp32(0x4049) == std::bit_cast<float>(0x40490000u));
    CHECK(fp32_to_bf16(std::bit_cast<float>(0x3F808000u)) == 0x3F80);  // tie, even stays
    CHECK(fp32_to_bf16(std::bit_cast<float>(0x3F818000u)) == 0x3F82);  // tie, odd rounds up
    CHECK(fp32_to_bf16(std::bit_cast<float>(0x3F808001u)) == 0x3F81);
    CHECK(fp32_to_bf16(std::bit_cast<float>(0x3F807FFFu)) == 0x3F80);
    CHECK(std::isnan(bf16_to_fp32(fp32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
    for (std::uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
        auto b = static_cast<std::uint16_t>(bits);
        float f = bf16_to_fp32(b);
        if (!std::isnan(f)) REQUIRE(fp32_to_bf16(f) == b);
    }
}

TEST_CASE("a hand-built Q8_0 block decodes to d * q exactly", "[backends_local][dtype]") {
    std::vector<std::uint8_t> block(k_q8_0_block_bytes);
    block[0] = 0x00;  // d = 0.5 (fp16 0x3800), little-endian
    block[1] = 0x38;
    for (int j = 0; j < 32; ++j)
        block[2 + j] = static_cast<std::uint8_t>(static_cast<std::int8_t>(j - 16));
    block[2 + 31] = static_cast<std::uint8_t>(std::int8_t{-128});
    std::vector<float> out(32);
    REQUIRE(convert_to_f32(GgmlType::q8_0, block, out));
    for (int j = 0; j < 31; ++j)
        CHECK(out[static_cast<std::size_t>(j)] == 0.5f * static_cast<float>(j - 16));
    CHECK(out[31] == -64.0f);
}

TEST_CASE("a hand-built Q4_0 block puts low nibbles first, high nibbles second",
          "[backends_local][dtype]") {
    std::vector<std::uint8_t> block(k_q4_0_block_bytes);
    block[0] = 0x00;  // d = 2.0 (fp16 0x4000)
    block[1] = 0x40;
    for (int j = 0; j < 16; ++j) {
        int lo = j;       // element j: q = j - 8
        int hi = 15 - j;  // element j + 16: q = 7 - j
        block[2 + static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(lo | (hi << 4));
    }
    std::vector<float> out(32);
    REQUIRE(convert_to_f32(GgmlType::q4_0, block, out));
    for (int j = 0; j < 16; ++j) {
        CHECK(out[static_cast<std::size_t>(j)] == 2.0f * static_cast<float>(j - 8));
        CHECK(out[static_cast<std::size_t>(j + 16)] == 2.0f * static_cast<float>(7 - j));
    }
}

TEST_CASE("two blocks decode independently with their own scales", "[backends_local][dtype]") {
    std::vector<std::uint8_t> blocks(2 * k_q4_0_block_bytes, 0x88);  // every q = 0
    blocks[0] = 0x00, blocks[1] = 0x3C;                              // d = 1
    blocks[18] = 0x00, blocks[19] = 0xBC;                            // d = -1
    blocks[2] = 0x9F;   // element 0: q = 7, element 16: q = 1
    blocks[20] = 0x0F;  // block 1 element 0: q = 7, element 16: q = -8
    std::vector<float> out(64);
    REQUIRE(convert_to_f32(GgmlType::q4_0, blocks, out));
    CHECK(out[0] == 7.0f);
    CHECK(out[16] == 1.0f);
    CHECK(out[1] == 0.0f);
    CHECK(out[32] == -7.0f);
    CHECK(out[48] == 8.0f);
}

TEST_CASE("quantizers follow ggml: Q8_0 scale is amax / 127, Q4_0 scale is max / -8",
          "[backends_local][dtype]") {
    std::vector<float> x(32);
    for (std::size_t j = 0; j < 32; ++j) x[j] = static_cast<float>(j) - 12.0f;  // max |x| = 19
    auto q8 = encode_from_f32(GgmlType::q8_0, x);
    REQUIRE(q8);
    std::vector<float> back(32);
    REQUIRE(convert_to_f32(GgmlType::q8_0, *q8, back));
    float d8 = fp16_to_fp32(fp32_to_fp16(19.0f / 127.0f));
    CHECK(back[31] == 127.0f * d8);
    for (std::size_t j = 0; j < 32; ++j) CHECK(std::fabs(back[j] - x[j]) <= d8);

    auto q4 = encode_from_f32(GgmlType::q4_0, x);
    REQUIRE(q4);
    REQUIRE(convert_to_f32(GgmlType::q4_0, *q4, back));
    float d4 = fp16_to_fp32(fp32_to_fp16(19.0f / -8.0f));
    CHECK(back[31] == -8.0f * d4);  // the extreme value is exact up to the fp16 scale
    for (std::size_t j = 0; j < 32; ++j)
        CHECK(std::fabs(back[j] - x[j]) <= std::fabs(d4) / 2 + 1e-5f);
}

TEST_CASE("conversion rejects partial blocks, wrong sizes and unsupported types",
          "[backends_local][dtype]") {
    std::vector<float> out(16);
    std::vector<std::uint8_t> bytes(34);
    auto r = convert_to_f32(GgmlType::q8_0, bytes, out);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("Q8_0") != std::string::npos);
    std::vector<float> out32(32);
    CHECK_FALSE(convert_to_f32(GgmlType::q8_0, std::span(bytes).first(33), out32));
    CHECK_FALSE(convert_to_f32(GgmlType::f32, bytes, out32));
    auto k = convert_to_f32(GgmlType::q4_k, bytes, out32);
    REQUIRE_FALSE(k);
    CHECK(k.error().message.find("Q4_K") != std::string::npos);
    CHECK_FALSE(encode_from_f32(GgmlType::q4_0, std::span(out32).first(31)));
}
