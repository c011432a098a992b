#pragma once
// GgufWriter: builds a GGUF v3 file in memory (for tests and the tiny-model tools). Metadata
// keeps insertion order; tensors are laid out in insertion order, each at an offset that is a
// multiple of the alignment (`general.alignment` when set, else 32), padded with zeros, and
// the data section itself starts aligned — the layout llama.cpp writes.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "backends/local/gguf/ggml_type.hpp"
#include "backends/local/gguf/gguf_value.hpp"
#include "core/error.hpp"

namespace braid::backends::local {

class GgufWriter {
public:
    // Sets a metadata value; a key set twice keeps its first position and the last value.
    void set(const std::string& key, GgufValue value);

    // Adds a tensor whose bytes are already encoded as `type`. `dims` are in ggml order
    // (dims[0] contiguous). Errors (invalid_input): a duplicate name, more than 4 dims, or a
    // byte count that does not match dims and type.
    Result<void> add_tensor(std::string name, std::vector<std::uint64_t> dims, GgmlType type,
                            std::vector<std::uint8_t> data);
    // Encodes fp32 `values` as `type` (F32, F16, BF16, Q8_0, Q4_0) and adds the tensor.
    Result<void> add_tensor_f32(std::string name, std::vector<std::uint64_t> dims, GgmlType type,
                                std::span<const float> values);

    // The whole file. Errors (invalid_input): general.alignment not a uint32 power of two, an
    // array whose items differ from its element type.
    Result<std::vector<std::uint8_t>> serialize() const;
    // serialize() written to `path` (replaced if it exists). Errors: as serialize(), io.
    Result<void> write(const std::filesystem::path& path) const;

private:
    struct PendingTensor {
        std::string name;
        std::vector<std::uint64_t> dims;
        GgmlType type;
        std::vector<std::uint8_t> data;
    };

    std::vector<std::pair<std::string, GgufValue>> metadata_;
    std::vector<PendingTensor> tensors_;
};

}  // namespace braid::backends::local
