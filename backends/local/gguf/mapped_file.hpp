#pragma once
// MappedFile: a whole file mapped read-only into memory (mmap), unmapped and closed on
// destruction. The model readers (GGUF, safetensors) parse straight from the mapping, and F32
// tensors may alias it, so loaded weights hold a shared_ptr<const MappedFile> to keep it alive.
//
// An empty file maps to an empty span (mmap of length 0 is not allowed). Not copyable or movable:
// share it through std::shared_ptr.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "core/error.hpp"

namespace braid::backends::local {

class MappedFile {
public:
    // Opens and maps `path`. Errors: not_found when it does not exist, io for anything else
    // (a directory, permissions, mmap failure), with the path and strerror in the message.
    static Result<std::shared_ptr<const MappedFile>> open(const std::filesystem::path& path);

    struct Key;  // only open() constructs one
    MappedFile(const Key&, std::filesystem::path path, const std::uint8_t* data, std::size_t size)
        : path_(std::move(path)), data_(data), size_(size) {}
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
    std::size_t size() const { return size_; }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    const std::uint8_t* data_ = nullptr;  // nullptr for an empty file
    std::size_t size_ = 0;
};

}  // namespace braid::backends::local
