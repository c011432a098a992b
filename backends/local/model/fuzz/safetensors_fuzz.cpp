// libFuzzer entry point for the safetensors reader (safetensors_reader.hpp): a whole .safetensors
// file (8-byte header size, JSON header, tensor bytes) from outside.
//
// The input is the file. Checks: no crash, no exception, no sanitizer report; an error says
// "safetensors:"; a parsed file's tensors are sorted by distinct names (none is __metadata__),
// have a known dtype, an element count equal to their shape's product, data that lies inside the
// bytes after the header with exactly count * dtype-size bytes, no two overlap, and find() returns
// each of them.
//
// Build (clang): cmake --build build --target fuzz_safetensors; run: scripts/fuzz 60 safetensors

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include "backends/local/model/safetensors_reader.hpp"

using braid::backends::local::safetensors_dtype_size;
using braid::backends::local::SafetensorsFile;
using braid::backends::local::SafetensorsTensor;

namespace {

constexpr std::size_t kHeaderSizeBytes = 8;

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    auto file = SafetensorsFile::parse(bytes);
    if (!file) {
        check(file.error().message.starts_with("safetensors: "));
        return 0;
    }
    std::uint64_t header_size = 0;
    check(size >= kHeaderSizeBytes);
    std::memcpy(&header_size, data, sizeof header_size);
    check(header_size <= size - kHeaderSizeBytes);
    const std::uint8_t* first = data + kHeaderSizeBytes + header_size;
    const std::uint8_t* past = data + size;

    const std::vector<SafetensorsTensor>& tensors = file->tensors();
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const SafetensorsTensor& t = tensors[i];
        check(t.name != "__metadata__" && (i == 0 || tensors[i - 1].name < t.name));
        check(file->find(t.name) == &t);
        const std::size_t element_bytes = safetensors_dtype_size(t.dtype);
        check(element_bytes > 0);
        std::uint64_t elements = 1;
        for (std::uint64_t dim : t.shape) elements *= dim;  // checked for overflow by the reader
        check(elements == t.n_elements && t.begin <= t.end);
        std::span<const std::uint8_t> span = file->tensor_data(t);
        check(span.size() == t.end - t.begin && span.size() == t.n_elements * element_bytes);
        check(span.empty() || (span.data() >= first && span.data() + span.size() <= past));
        for (std::size_t j = 0; j < i; ++j) {
            const SafetensorsTensor& u = tensors[j];
            if (t.end > t.begin && u.end > u.begin) check(t.end <= u.begin || u.end <= t.begin);
        }
    }
    return 0;
}
