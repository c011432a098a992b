#pragma once
// GgufValue: one GGUF metadata value (engine.md §1.1): a scalar, a string or a (nestable) array.
// The variant's alternative index equals the GGUF value-type id, so type() is a cast.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace braid::backends::local {

enum class GgufValueType : std::uint32_t {
    uint8 = 0,
    int8 = 1,
    uint16 = 2,
    int16 = 3,
    uint32 = 4,
    int32 = 5,
    float32 = 6,
    boolean = 7,  // one byte, 0 or 1
    string = 8,   // uint64 length + UTF-8 bytes, no NUL
    array = 9,    // uint32 element type + uint64 count + elements
    uint64 = 10,
    int64 = 11,
    float64 = 12,
};

inline constexpr std::uint32_t k_gguf_value_type_count = 13;

const char* gguf_value_type_name(GgufValueType type);

struct GgufValue;

// Every item has type elem_type (the writer checks; the reader guarantees it).
struct GgufArray {
    GgufValueType elem_type = GgufValueType::uint8;
    std::vector<GgufValue> items;
};

struct GgufValue {
    using Storage = std::variant<std::uint8_t, std::int8_t, std::uint16_t, std::int16_t,
                                 std::uint32_t, std::int32_t, float, bool, std::string, GgufArray,
                                 std::uint64_t, std::int64_t, double>;
    Storage storage;

    GgufValueType type() const { return static_cast<GgufValueType>(storage.index()); }

    // Any integer type (not bool) whose value fits in int64; nullopt otherwise.
    std::optional<std::int64_t> as_int() const;
    // float32 or float64; nullopt otherwise.
    std::optional<double> as_float() const;
    std::optional<bool> as_bool() const;
    const std::string* as_string() const;  // nullptr unless a string
    const GgufArray* as_array() const;     // nullptr unless an array
};

bool operator==(const GgufArray& a, const GgufArray& b);
bool operator==(const GgufValue& a, const GgufValue& b);

}  // namespace braid::backends::local
