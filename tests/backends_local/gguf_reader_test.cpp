// GGUF: round trip through the writer, and clean errors for truncated or corrupted files.

#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/local/gguf/dtype_convert.hpp"
#include "backends/local/gguf/gguf_reader.hpp"
#include "backends/local/gguf/gguf_writer.hpp"
#include "tests/support/temp_dir.hpp"

using namespace braid::backends::local;

namespace {

GgufValue str(const std::string& s) {
    return GgufValue{s};
}

GgufArray array_of(GgufValueType type, std::vector<GgufValue> items) {
    return GgufArray{type, std::move(items)};
}

// Metadata of every value type, arrays of scalars, strings and arrays.
GgufWriter every_value_type_writer() {
    GgufWriter w;
    w.set("general.architecture", str("llama"));
    w.set("general.alignment", GgufValue{std::uint32_t{64}});
    w.set("t.u8", GgufValue{std::uint8_t{250}});
    w.set("t.i8", GgufValue{std::int8_t{-120}});
    w.set("t.u16", GgufValue{std::uint16_t{65000}});
    w.set("t.i16", GgufValue{std::int16_t{-32000}});
    w.set("t.u32", GgufValue{std::uint32_t{4000000000u}});
    w.set("t.i32", GgufValue{std::int32_t{-2000000000}});
    w.set("t.f32", GgufValue{1.5f});
    w.set("t.bool", GgufValue{true});
    w.set("t.str", str("héllo\nworld"));
    w.set("t.empty_str", str(""));
    w.set("t.u64", GgufValue{std::uint64_t{18000000000000000000ull}});
    w.set("t.i64", GgufValue{std::int64_t{-9000000000000000000ll}});
    w.set("t.f64", GgufValue{-2.25});
    w.set("t.arr_i32", GgufValue{array_of(GgufValueType::int32, {GgufValue{std::int32_t{1}},
                                                                 GgufValue{std::int32_t{-2}}})});
    w.set("t.arr_str",
          GgufValue{array_of(GgufValueType::string, {str("a"), str(""), str("Ġthe")})});
    w.set("t.arr_empty", GgufValue{array_of(GgufValueType::float32, {})});
    w.set(
        "t.arr_nested",
        GgufValue{array_of(GgufValueType::array,
                           {GgufValue{array_of(GgufValueType::uint8, {GgufValue{std::uint8_t{7}}})},
                            GgufValue{array_of(GgufValueType::boolean, {GgufValue{false}})}})});
    return w;
}

std::vector<float> ramp(std::size_t n, float scale) {
    std::vector<float> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = scale * (static_cast<float>(i % 37) - 18.0f);
    return v;
}

std::vector<std::uint8_t> small_file() {
    GgufWriter w;
    w.set("general.architecture", str("llama"));
    w.set("k.arr", GgufValue{array_of(GgufValueType::string, {str("x"), str("yz")})});
    REQUIRE(w.add_tensor_f32("a", {32, 2}, GgmlType::q8_0, ramp(64, 0.1f)));
    REQUIRE(w.add_tensor_f32("b", {3}, GgmlType::f32, ramp(3, 1.0f)));
    auto bytes = w.serialize();
    REQUIRE(bytes);
    return *bytes;
}

void put_u64(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint64_t v) {
    std::memcpy(bytes.data() + at, &v, sizeof v);
}

void put_u32(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint32_t v) {
    std::memcpy(bytes.data() + at, &v, sizeof v);
}

std::string parse_error(const std::vector<std::uint8_t>& bytes) {
    auto file = GgufFile::parse(bytes);
    REQUIRE_FALSE(file);
    CHECK(file.error().code == braid::ErrorCode::parse);
    return file.error().message;
}

}  // namespace

TEST_CASE("GGUF metadata of every type round-trips through writer and reader",
          "[backends_local][gguf]") {
    GgufWriter w = every_value_type_writer();
    auto bytes = w.serialize();
    REQUIRE(bytes);
    auto file = GgufFile::parse(*bytes);
    REQUIRE(file);
    CHECK(file->version() == 3);
    CHECK(file->alignment() == 64);
    GgufWriter expected = every_value_type_writer();
    auto again = expected.serialize();
    REQUIRE(again);
    CHECK(*again == *bytes);  // deterministic
    REQUIRE(file->metadata().size() == 19);
    CHECK(file->metadata()[0].key == "general.architecture");  // insertion order kept
    CHECK(file->find("t.u8")->type() == GgufValueType::uint8);
    CHECK(*file->find("t.u8")->as_int() == 250);
    CHECK(*file->find("t.i8")->as_int() == -120);
    CHECK(*file->find("t.u16")->as_int() == 65000);
    CHECK(*file->find("t.i16")->as_int() == -32000);
    CHECK(*file->find("t.u32")->as_int() == 4000000000ll);
    CHECK(*file->find("t.i32")->as_int() == -2000000000ll);
    CHECK(*file->find("t.f32")->as_float() == 1.5);
    CHECK(*file->find("t.bool")->as_bool());
    CHECK(*file->find("t.str")->as_string() == "héllo\nworld");
    CHECK(file->find("t.empty_str")->as_string()->empty());
    CHECK_FALSE(file->find("t.u64")->as_int());  // does not fit int64
    CHECK(std::get<std::uint64_t>(file->find("t.u64")->storage) == 18000000000000000000ull);
    CHECK(*file->find("t.i64")->as_int() == -9000000000000000000ll);
    CHECK(*file->find("t.f64")->as_float() == -2.25);
    const GgufArray* strings = file->find("t.arr_str")->as_array();
    REQUIRE(strings);
    CHECK(strings->elem_type == GgufValueType::string);
    REQUIRE(strings->items.size() == 3);
    CHECK(*strings->items[2].as_string() == "Ġthe");
    CHECK(file->find("t.arr_empty")->as_array()->items.empty());
    const GgufArray* nested = file->find("t.arr_nested")->as_array();
    REQUIRE(nested->items.size() == 2);
    CHECK(*nested->items[0].as_array()->items[0].as_int() == 7);
    CHECK(*file->find("t.arr_i32") ==
          GgufValue{array_of(GgufValueType::int32,
                             {GgufValue{std::int32_t{1}}, GgufValue{std::int32_t{-2}}})});
    CHECK(file->find("missing") == nullptr);
}

TEST_CASE("GGUF tensors of every loadable type round-trip with aligned offsets",
          "[backends_local][gguf]") {
    for (std::uint32_t alignment : {32u, 64u, 256u}) {
        GgufWriter w;
        w.set("general.alignment", GgufValue{alignment});
        const GgmlType types[] = {GgmlType::f32, GgmlType::f16, GgmlType::bf16, GgmlType::q8_0,
                                  GgmlType::q4_0};
        std::vector<float> values = ramp(64 * 3, 0.25f);
        for (GgmlType type : types) {
            std::string name = std::string("t.") + ggml_type_traits(type).name;
            REQUIRE(w.add_tensor_f32(name, {64, 3}, type, values));
        }
        REQUIRE(w.add_tensor_f32("odd", {5}, GgmlType::f32, ramp(5, 1.0f)));  // 20 bytes: padded
        auto bytes = w.serialize();
        REQUIRE(bytes);
        auto file = GgufFile::parse(*bytes);
        REQUIRE(file);
        CHECK(file->alignment() == alignment);
        CHECK(file->data_offset() % alignment == 0);
        REQUIRE(file->tensors().size() == 6);
        for (GgmlType type : types) {
            const GgufTensorInfo* info =
                file->find_tensor(std::string("t.") + ggml_type_traits(type).name);
            REQUIRE(info);
            CHECK(info->type == type);
            CHECK(info->dims == std::vector<std::uint64_t>{64, 3});
            CHECK(info->n_elements == 192);
            CHECK(info->offset % alignment == 0);
            auto encoded = encode_from_f32(type, values);
            REQUIRE(encoded);
            auto data = file->tensor_data(*info);
            REQUIRE(data.size() == encoded->size());
            CHECK(std::equal(data.begin(), data.end(), encoded->begin()));
            std::vector<float> back(192);
            REQUIRE(convert_to_f32(type, data, back));
            if (type == GgmlType::f32 || type == GgmlType::f16 || type == GgmlType::bf16)
                CHECK(back == values);  // quarter steps up to 4.5 are exact in all three
        }
        CHECK(file->find_tensor("odd")->n_bytes == 20);
    }
}

TEST_CASE("GGUF files open from disk through the mapping", "[backends_local][gguf]") {
    braid::test::TempDir dir;
    GgufWriter w = every_value_type_writer();
    REQUIRE(w.add_tensor_f32("x", {4}, GgmlType::f32, ramp(4, 1.0f)));
    REQUIRE(w.write(dir.path() / "m.gguf"));
    auto file = GgufFile::open(dir.path() / "m.gguf");
    REQUIRE(file);
    CHECK(file->keep_alive() != nullptr);
    auto missing = GgufFile::open(dir.path() / "none.gguf");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == braid::ErrorCode::not_found);
    auto directory = GgufFile::open(dir.path());
    REQUIRE_FALSE(directory);
    CHECK(directory.error().code == braid::ErrorCode::invalid_input);
}

TEST_CASE("every truncation of a small GGUF file is a clean parse error",
          "[backends_local][gguf]") {
    std::vector<std::uint8_t> bytes = small_file();
    REQUIRE(GgufFile::parse(bytes));
    // The last tensor ends before the final padding, so cuts inside that padding still parse.
    auto full = GgufFile::parse(bytes);
    const GgufTensorInfo* b = full->find_tensor("b");
    std::size_t needed = static_cast<std::size_t>(full->data_offset() + b->offset + b->n_bytes);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        std::vector<std::uint8_t> cut(bytes.begin(),
                                      bytes.begin() + static_cast<std::ptrdiff_t>(n));
        auto file = GgufFile::parse(cut);
        if (n >= needed) {
            CHECK(file);
            continue;
        }
        INFO("cut at " << n);
        REQUIRE_FALSE(file);
        CHECK(file.error().message.rfind("gguf: ", 0) == 0);
    }
}

TEST_CASE("corrupted GGUF headers give errors naming the field and offset",
          "[backends_local][gguf]") {
    const std::vector<std::uint8_t> good = small_file();
    // Layout: magic 0, version 4, tensor count 8, kv count 16, first key length 24.
    SECTION("bad magic") {
        auto bytes = good;
        bytes[0] = 'X';
        CHECK(parse_error(bytes).find("bad magic") != std::string::npos);
    }
    SECTION("unsupported and big-endian versions") {
        auto bytes = good;
        put_u32(bytes, 4, 1);
        CHECK(parse_error(bytes).find("unsupported version 1") != std::string::npos);
        put_u32(bytes, 4, 0x03000000);
        CHECK(parse_error(bytes).find("big-endian") != std::string::npos);
    }
    SECTION("absurd counts") {
        auto bytes = good;
        put_u64(bytes, 8, ~0ull);
        CHECK(parse_error(bytes).find("tensor count") != std::string::npos);
        bytes = good;
        put_u64(bytes, 16, 1ull << 60);
        CHECK(parse_error(bytes).find("metadata count") != std::string::npos);
    }
    SECTION("absurd string length") {
        auto bytes = good;
        put_u64(bytes, 24, 1ull << 62);
        std::string msg = parse_error(bytes);
        CHECK(msg.find("metadata entry #0") != std::string::npos);
        CHECK(msg.find("exceeds") != std::string::npos);
        CHECK(msg.find("offset 24") != std::string::npos);
    }
    SECTION("unknown value type") {
        auto bytes = good;
        std::size_t type_at = 24 + 8 + std::string("general.architecture").size();
        put_u32(bytes, type_at, 13);
        std::string msg = parse_error(bytes);
        CHECK(msg.find("unknown value type 13") != std::string::npos);
        CHECK(msg.find("general.architecture") != std::string::npos);
    }
    SECTION("absurd array count") {
        auto bytes = good;
        std::size_t key1 = 24 + 8 + 20 + 4 + 8 + 5;  // after general.architecture = "llama"
        std::size_t count_at = key1 + 8 + std::string("k.arr").size() + 4 + 4;
        put_u64(bytes, count_at, 1ull << 61);
        std::string msg = parse_error(bytes);
        CHECK(msg.find("array count") != std::string::npos);
        CHECK(msg.find("'k.arr'") != std::string::npos);
    }
}

namespace {

// A file with one tensor whose info fields can be edited through the writer-independent layout.
struct OneTensorFile {
    std::vector<std::uint8_t> bytes;
    std::size_t dims_at = 0;  // offset of n_dims
};

OneTensorFile one_tensor_file(std::uint32_t alignment = 32) {
    GgufWriter w;
    w.set("general.alignment", GgufValue{alignment});
    REQUIRE(w.add_tensor_f32("w", {32, 2}, GgmlType::f32, ramp(64, 1.0f)));
    auto bytes = w.serialize();
    REQUIRE(bytes);
    OneTensorFile out{*bytes};
    std::size_t kv = 24 + 8 + std::string("general.alignment").size() + 4 + 4;
    out.dims_at = kv + 8 + 1;  // name length + "w"
    return out;
}

}  // namespace

TEST_CASE("corrupted GGUF tensor infos give clean errors", "[backends_local][gguf]") {
    OneTensorFile f = one_tensor_file();
    REQUIRE(GgufFile::parse(f.bytes));
    const std::size_t dim0 = f.dims_at + 4, dim1 = dim0 + 8, type_at = dim1 + 8,
                      offset_at = type_at + 4;

    SECTION("too many dims") {
        put_u32(f.bytes, f.dims_at, 5);
        CHECK(parse_error(f.bytes).find("5 dims") != std::string::npos);
    }
    SECTION("element count overflow") {
        put_u64(f.bytes, dim0, 1ull << 40);
        put_u64(f.bytes, dim1, 1ull << 40);
        CHECK(parse_error(f.bytes).find("overflow") != std::string::npos);
    }
    SECTION("negative dim as int64") {
        put_u64(f.bytes, dim0, ~0ull);
        CHECK(parse_error(f.bytes).find("dim 0") != std::string::npos);
    }
    SECTION("unknown tensor type") {
        put_u32(f.bytes, type_at, 4);  // a retired id
        CHECK(parse_error(f.bytes).find("unknown tensor type id 4") != std::string::npos);
    }
    SECTION("row not a whole number of blocks") {
        put_u32(f.bytes, type_at, 8);  // Q8_0 needs dim 0 % 32 == 0: 32 ok, so make it 16
        put_u64(f.bytes, dim0, 16);
        CHECK(parse_error(f.bytes).find("block size 32") != std::string::npos);
    }
    SECTION("misaligned offset") {
        put_u64(f.bytes, offset_at, 4);
        CHECK(parse_error(f.bytes).find("not a multiple of the alignment") != std::string::npos);
    }
    SECTION("offset past the end") {
        put_u64(f.bytes, offset_at, 1ull << 40);
        CHECK(parse_error(f.bytes).find("past the end") != std::string::npos);
        put_u64(f.bytes, offset_at, ~0ull - 31);  // aligned and overflowing when added
        CHECK(parse_error(f.bytes).find("past the end") != std::string::npos);
    }
    SECTION("long name") {
        GgufWriter w;
        REQUIRE(w.add_tensor_f32(std::string(65, 'n'), {1}, GgmlType::f32, ramp(1, 1.0f)));
        CHECK(parse_error(*w.serialize()).find("longer than 64") != std::string::npos);
    }
}

TEST_CASE("GGUF alignment, duplicates and overlaps are checked", "[backends_local][gguf]") {
    SECTION("alignment must be a uint32 power of two") {
        OneTensorFile f = one_tensor_file();
        std::size_t value_at = 24 + 8 + std::string("general.alignment").size() + 4;
        put_u32(f.bytes, value_at, 48);
        CHECK(parse_error(f.bytes).find("not a power of two") != std::string::npos);
        GgufWriter w;
        w.set("general.alignment", GgufValue{std::uint64_t{32}});
        auto writer_refuses = w.serialize();
        CHECK_FALSE(writer_refuses);
    }
    SECTION("duplicate keys and tensor names") {
        GgufWriter w;
        w.set("a", GgufValue{std::uint8_t{1}});
        w.set("b", GgufValue{std::uint8_t{2}});
        auto bytes = *w.serialize();
        bytes[24 + 8] = 'b';  // rename key "a" to "b"
        CHECK(parse_error(bytes).find("duplicate key") != std::string::npos);
        GgufWriter t;
        REQUIRE(t.add_tensor_f32("x", {8}, GgmlType::f32, ramp(8, 1.0f)));
        REQUIRE(t.add_tensor_f32("y", {8}, GgmlType::f32, ramp(8, 1.0f)));
        CHECK_FALSE(t.add_tensor_f32("y", {8}, GgmlType::f32, ramp(8, 1.0f)));
        bytes = *t.serialize();
        auto it = std::search(bytes.begin(), bytes.end(), std::begin("y"), std::begin("y") + 1);
        *it = 'x';
        CHECK(parse_error(bytes).find("duplicate tensor name") != std::string::npos);
    }
    SECTION("overlapping tensors") {
        GgufWriter t;
        REQUIRE(t.add_tensor_f32("x", {16}, GgmlType::f32, ramp(16, 1.0f)));
        REQUIRE(t.add_tensor_f32("y", {16}, GgmlType::f32, ramp(16, 1.0f)));
        auto bytes = *t.serialize();
        auto file = GgufFile::parse(bytes);
        REQUIRE(file);
        // y's offset field is the last 8 bytes of the tensor infos: point it at x's data + 32.
        std::size_t y_offset_at = 24 + (8 + 1 + 4 + 8 + 4 + 8) + (8 + 1 + 4 + 8 + 4);
        put_u64(bytes, y_offset_at, 32);
        CHECK(parse_error(bytes).find("overlap") != std::string::npos);
    }
    SECTION("nesting deeper than 8 arrays") {
        GgufValue v{std::uint8_t{1}};
        for (int i = 0; i < 9; ++i) {
            GgufValueType inner = v.type();
            v = GgufValue{GgufArray{inner, {v}}};
        }
        GgufWriter w;
        w.set("deep", v);
        CHECK(parse_error(*w.serialize()).find("nested deeper") != std::string::npos);
    }
    SECTION("bool values other than 0 and 1") {
        GgufWriter w;
        w.set("flag", GgufValue{true});
        auto bytes = *w.serialize();
        bytes[24 + 8 + 4 + 4] = 2;  // after key length, "flag" and the value type
        CHECK(parse_error(bytes).find("not 0 or 1") != std::string::npos);
    }
    SECTION("the writer refuses arrays with mixed item types") {
        GgufWriter w;
        w.set("mixed", GgufValue{GgufArray{GgufValueType::uint8, {GgufValue{std::uint16_t{1}}}}});
        CHECK_FALSE(w.serialize());
    }
}
