#include "backends/local/gguf/gguf_value.hpp"

#include <limits>
#include <type_traits>

namespace braid::backends::local {

const char* gguf_value_type_name(GgufValueType type) {
    switch (type) {
        case GgufValueType::uint8:
            return "uint8";
        case GgufValueType::int8:
            return "int8";
        case GgufValueType::uint16:
            return "uint16";
        case GgufValueType::int16:
            return "int16";
        case GgufValueType::uint32:
            return "uint32";
        case GgufValueType::int32:
            return "int32";
        case GgufValueType::float32:
            return "float32";
        case GgufValueType::boolean:
            return "bool";
        case GgufValueType::string:
            return "string";
        case GgufValueType::array:
            return "array";
        case GgufValueType::uint64:
            return "uint64";
        case GgufValueType::int64:
            return "int64";
        case GgufValueType::float64:
            return "float64";
    }
    return "unknown";
}

std::optional<std::int64_t> GgufValue::as_int() const {
    return std::visit(
        [](const auto& v) -> std::optional<std::int64_t> {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool> || !std::is_integral_v<T>) {
                return std::nullopt;
            } else if constexpr (std::is_same_v<T, std::uint64_t>) {
                if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                    return std::nullopt;
                return static_cast<std::int64_t>(v);
            } else {
                return static_cast<std::int64_t>(v);
            }
        },
        storage);
}

std::optional<double> GgufValue::as_float() const {
    if (const auto* f = std::get_if<float>(&storage)) return *f;
    if (const auto* d = std::get_if<double>(&storage)) return *d;
    return std::nullopt;
}

std::optional<bool> GgufValue::as_bool() const {
    if (const auto* b = std::get_if<bool>(&storage)) return *b;
    return std::nullopt;
}

const std::string* GgufValue::as_string() const {
    return std::get_if<std::string>(&storage);
}

const GgufArray* GgufValue::as_array() const {
    return std::get_if<GgufArray>(&storage);
}

bool operator==(const GgufArray& a, const GgufArray& b) {
    return a.elem_type == b.elem_type && a.items == b.items;
}

bool operator==(const GgufValue& a, const GgufValue& b) {
    return a.storage == b.storage;
}

}  // namespace braid::backends::local
