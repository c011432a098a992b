// safetensors: hand-built files parse; malformed ones give clean errors.

#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/local/model/safetensors_reader.hpp"
#include "backends/local/model/weight_assembly.hpp"

using namespace braid::backends::local;

namespace {

std::vector<std::uint8_t> safetensors_bytes(const std::string& header,
                                            const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> out;
    out.reserve(8 + header.size() + data.size());
    const std::uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    for (char c : header) out.push_back(static_cast<std::uint8_t>(c));
    for (std::uint8_t b : data) out.push_back(b);
    return out;
}

std::vector<std::uint8_t> f32_bytes(const std::vector<float>& values) {
    std::vector<std::uint8_t> out(values.size() * 4);
    std::memcpy(out.data(), values.data(), out.size());
    return out;
}

std::string error_of(const std::vector<std::uint8_t>& bytes) {
    auto file = SafetensorsFile::parse(bytes);
    REQUIRE_FALSE(file);
    CHECK(file.error().code == braid::ErrorCode::parse);
    return file.error().message;
}

}  // namespace

TEST_CASE("a hand-built safetensors file parses, offsets relative to the data buffer",
          "[backends_local][safetensors]") {
    // "b" is stored first at an odd offset (after a 2-byte BF16 tensor): not 4-byte aligned.
    std::vector<std::uint8_t> data = {0x80, 0x3F};  // bf16 1.0
    auto b = f32_bytes({1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f});
    data.insert(data.end(), b.begin(), b.end());
    std::string header = R"({"__metadata__": {"format": "pt"},
        "a": {"dtype": "BF16", "shape": [1], "data_offsets": [0, 2]},
        "b": {"dtype": "F32", "shape": [2, 3], "data_offsets": [2, 26]}})";
    header += "   ";  // padding spaces are allowed
    auto bytes = safetensors_bytes(header, data);
    auto file = SafetensorsFile::parse(bytes);
    REQUIRE(file);
    REQUIRE(file->tensors().size() == 2);
    CHECK(file->metadata().at("format") == "pt");
    const SafetensorsTensor* t = file->find("b");
    REQUIRE(t);
    CHECK(t->dtype == "F32");
    CHECK(t->shape == std::vector<std::uint64_t>{2, 3});
    CHECK(t->n_elements == 6);
    CHECK(file->find("c") == nullptr);
    auto tensor = alias_or_decode_f32(file->tensor_data(*t), 2, 3, nullptr);
    REQUIRE(tensor);
    CHECK(tensor->row(1)[0] == 0.0f);
    CHECK(tensor->row(0)[2] == 3.25f);
}

TEST_CASE("malformed safetensors files give errors naming tensor and field",
          "[backends_local][safetensors]") {
    auto data = f32_bytes({1.0f, 2.0f});
    auto entry = [](const std::string& body) { return "{\"w\": " + body + "}"; };
    CHECK(error_of({1, 2, 3}).find("truncated") != std::string::npos);
    {
        auto bytes = safetensors_bytes("{}", {});
        std::uint64_t huge = ~0ull;
        std::memcpy(bytes.data(), &huge, 8);
        CHECK(error_of(bytes).find("header size") != std::string::npos);
    }
    CHECK(error_of(safetensors_bytes("{\"w\": ", data)).find("not a JSON object") !=
          std::string::npos);
    CHECK(error_of(safetensors_bytes("[1, 2]", data)).find("not a JSON object") !=
          std::string::npos);
    CHECK(error_of(safetensors_bytes(
                       entry(R"({"dtype": "F33", "shape": [2], "data_offsets": [0, 8]})"), data))
              .find("unknown dtype 'F33'") != std::string::npos);
    CHECK(error_of(safetensors_bytes(
                       entry(R"({"dtype": "F32", "shape": [3], "data_offsets": [0, 8]})"), data))
              .find("do not match") != std::string::npos);
    CHECK(error_of(safetensors_bytes(
                       entry(R"({"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]})"), data))
              .find("non-negative") != std::string::npos);
    CHECK(
        error_of(
            safetensors_bytes(
                entry(
                    R"({"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 8]})"),
                data))
            .find("overflow") != std::string::npos);
    CHECK(error_of(safetensors_bytes(
                       entry(R"({"dtype": "F32", "shape": [4], "data_offsets": [0, 16]})"), data))
              .find("past the data buffer") != std::string::npos);
    CHECK(error_of(safetensors_bytes(
                       entry(R"({"dtype": "F32", "shape": [2], "data_offsets": [8, 0]})"), data))
              .find("begin <= end") != std::string::npos);
    CHECK(error_of(safetensors_bytes(entry(R"({"dtype": "F32", "shape": [2]})"), data))
              .find("tensor 'w': data_offsets") != std::string::npos);
    CHECK(error_of(safetensors_bytes(entry("7"), data)).find("not an object") != std::string::npos);
    CHECK(error_of(safetensors_bytes(R"({"__metadata__": {"k": 1}})", data)).find("not a string") !=
          std::string::npos);
    CHECK(
        error_of(safetensors_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                         "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                                   data))
            .find("overlap") != std::string::npos);
}

TEST_CASE("every truncation of a safetensors file is a clean error",
          "[backends_local][safetensors]") {
    auto data = f32_bytes({1.0f, 2.0f});
    auto bytes =
        safetensors_bytes(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", data);
    REQUIRE(SafetensorsFile::parse(bytes));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        std::vector<std::uint8_t> cut(bytes.begin(),
                                      bytes.begin() + static_cast<std::ptrdiff_t>(n));
        INFO("cut at " << n);
        CHECK_FALSE(SafetensorsFile::parse(cut));
    }
}
