#pragma once
// GgufFile: a parsed GGUF (v2/v3, little-endian) file: header, metadata, tensor infos and where
// each tensor's bytes lie (engine.md §1.1). Parsing never trusts the input: every read is
// bounds-checked, every count and size overflow-checked, and a malformed or truncated file
// yields an Error (code parse) naming the field and its byte offset. Nothing is copied out of
// the tensor data; tensor_data() returns spans into the parsed bytes.
//
// Checks beyond bounds: magic, version 2 or 3, `general.alignment` (if present) a uint32 power of
// two, unique metadata keys and tensor names, tensor names ≤ 64 bytes, 0..4 dims whose element
// count fits int64 and whose first dim is a whole number of blocks, known tensor type ids,
// offsets aligned and inside the file, no two tensors overlapping, arrays nested ≤ 8 deep.
//
// Ownership: parse() keeps `keep_alive` (e.g. the MappedFile) so the spans stay valid as long
// as this object or a copy of keep_alive() lives.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/local/gguf/ggml_type.hpp"
#include "backends/local/gguf/gguf_value.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

inline constexpr std::uint32_t k_gguf_magic = 0x46554747;  // "GGUF" read as a little-endian u32
inline constexpr std::uint32_t k_gguf_version = 3;
inline constexpr std::uint64_t k_gguf_default_alignment = 32;
inline constexpr std::size_t k_gguf_max_name_bytes = 64;
inline constexpr std::uint32_t k_gguf_max_dims = 4;
inline constexpr int k_gguf_max_array_depth = 8;

struct GgufKeyValue {
    std::string key;
    GgufValue value;
};

struct GgufTensorInfo {
    std::string name;
    std::vector<std::uint64_t> dims;  // ggml order: dims[0] is contiguous ([in, out] for a matrix)
    GgmlType type = GgmlType::f32;
    std::uint64_t offset = 0;      // from the start of the data section
    std::uint64_t n_elements = 0;  // product of dims (1 for no dims)
    std::uint64_t n_bytes = 0;
};

class GgufFile {
public:
    // Maps and parses a file. Errors: not_found / io from opening, parse for a malformed file.
    static Result<GgufFile> open(const std::filesystem::path& path);
    // Parses bytes already in memory; `keep_alive` (may be null) owns them.
    static Result<GgufFile> parse(std::span<const std::uint8_t> bytes,
                                  std::shared_ptr<const void> keep_alive = nullptr);

    std::uint32_t version() const { return version_; }
    std::uint64_t alignment() const { return alignment_; }
    std::uint64_t data_offset() const { return data_offset_; }  // absolute, in bytes

    const std::vector<GgufKeyValue>& metadata() const { return metadata_; }
    const GgufValue* find(std::string_view key) const;  // nullptr when absent

    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    const GgufTensorInfo* find_tensor(std::string_view name) const;  // nullptr when absent
    // The tensor's bytes (n_bytes of them); `info` must come from this file.
    std::span<const std::uint8_t> tensor_data(const GgufTensorInfo& info) const;

    const std::shared_ptr<const void>& keep_alive() const { return keep_alive_; }

private:
    GgufFile() = default;
    friend class GgufParser;

    std::span<const std::uint8_t> bytes_;
    std::shared_ptr<const void> keep_alive_;
    std::uint32_t version_ = 0;
    std::uint64_t alignment_ = k_gguf_default_alignment;
    std::uint64_t data_offset_ = 0;
    std::vector<GgufKeyValue> metadata_;
    std::map<std::string, std::size_t, std::less<>> metadata_index_;
    std::vector<GgufTensorInfo> tensors_;
    std::map<std::string, std::size_t, std::less<>> tensor_index_;
};

}  // namespace braid::backends::local
