#pragma once
// SafetensorsFile: a parsed .safetensors file (engine.md §1.2): an 8-byte little-endian header
// size, a JSON header, then the tensor bytes. Parsing is bounds- and overflow-checked: a
// malformed file gives an Error (code parse) naming the tensor and field, never UB. Tensor
// bytes are not copied; tensor_data() returns spans into the parsed bytes (unaligned in
// general — the format does not align them).
//
// Checks: header size within the file and ≤ 100 MB, the header a JSON object, each entry with a
// known dtype, a shape of non-negative integers whose element count does not overflow, and
// data_offsets [begin, end] inside the buffer with end - begin == elements * dtype size; no two
// tensors overlap. `__metadata__` must map strings to strings.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace braid::backends::local {

inline constexpr std::uint64_t k_safetensors_max_header_bytes = 100'000'000;

struct SafetensorsTensor {
    std::string name;
    std::string dtype;                 // "F32", "F16", "BF16", "I64", ...
    std::vector<std::uint64_t> shape;  // row-major, outermost first
    std::uint64_t begin = 0;           // byte range within the data buffer (after the header)
    std::uint64_t end = 0;
    std::uint64_t n_elements = 0;
};

class SafetensorsFile {
public:
    // Maps and parses a file. Errors: not_found / io from opening, parse for a malformed file.
    static Result<SafetensorsFile> open(const std::filesystem::path& path);
    // Parses bytes already in memory; `keep_alive` (may be null) owns them.
    static Result<SafetensorsFile> parse(std::span<const std::uint8_t> bytes,
                                         std::shared_ptr<const void> keep_alive = nullptr);

    const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }  // sorted by name
    const SafetensorsTensor* find(std::string_view name) const;  // nullptr when absent
    std::span<const std::uint8_t> tensor_data(const SafetensorsTensor& tensor) const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    const std::shared_ptr<const void>& keep_alive() const { return keep_alive_; }

private:
    SafetensorsFile() = default;

    std::span<const std::uint8_t> data_;  // the buffer after the header
    std::shared_ptr<const void> keep_alive_;
    std::vector<SafetensorsTensor> tensors_;
    std::map<std::string, std::string> metadata_;
};

// Bytes per element of a safetensors dtype name; 0 for an unknown name.
std::size_t safetensors_dtype_size(std::string_view dtype);

}  // namespace braid::backends::local
