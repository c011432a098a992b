#include "backends/local/gguf/ggml_type.hpp"

#include <array>

namespace braid::backends::local {

namespace {

struct TypeRow {
    GgmlType type;
    GgmlTypeTraits traits;
};

// Sizes from ggml-common.h (QK_K = 256).
constexpr std::array<TypeRow, 20> k_types{{
    {GgmlType::f32, {"F32", 1, 4}},
    {GgmlType::f16, {"F16", 1, 2}},
    {GgmlType::q4_0, {"Q4_0", k_q4_0_block_elems, k_q4_0_block_bytes}},
    {GgmlType::q4_1, {"Q4_1", 32, 20}},
    {GgmlType::q5_0, {"Q5_0", 32, 22}},
    {GgmlType::q5_1, {"Q5_1", 32, 24}},
    {GgmlType::q8_0, {"Q8_0", k_q8_0_block_elems, k_q8_0_block_bytes}},
    {GgmlType::q8_1, {"Q8_1", 32, 36}},
    {GgmlType::q2_k, {"Q2_K", 256, 84}},
    {GgmlType::q3_k, {"Q3_K", 256, 110}},
    {GgmlType::q4_k, {"Q4_K", 256, 144}},
    {GgmlType::q5_k, {"Q5_K", 256, 176}},
    {GgmlType::q6_k, {"Q6_K", 256, 210}},
    {GgmlType::q8_k, {"Q8_K", 256, 292}},
    {GgmlType::i8, {"I8", 1, 1}},
    {GgmlType::i16, {"I16", 1, 2}},
    {GgmlType::i32, {"I32", 1, 4}},
    {GgmlType::i64, {"I64", 1, 8}},
    {GgmlType::f64, {"F64", 1, 8}},
    {GgmlType::bf16, {"BF16", 1, 2}},
}};

}  // namespace

std::optional<GgmlType> ggml_type_from_id(std::uint32_t id) {
    for (const auto& row : k_types)
        if (static_cast<std::uint32_t>(row.type) == id) return row.type;
    return std::nullopt;
}

GgmlTypeTraits ggml_type_traits(GgmlType type) {
    for (const auto& row : k_types)
        if (row.type == type) return row.traits;
    return {"?", 1, 1};  // unreachable for values made by ggml_type_from_id
}

std::string ggml_type_name(std::uint32_t id) {
    if (auto type = ggml_type_from_id(id)) return ggml_type_traits(*type).name;
    return "type#" + std::to_string(id);
}

}  // namespace braid::backends::local
