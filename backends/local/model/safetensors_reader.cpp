#include "backends/local/model/safetensors_reader.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "backends/local/gguf/mapped_file.hpp"

namespace braid::backends::local {

namespace {

using nlohmann::json;

constexpr std::uint64_t k_int64_max =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
constexpr std::size_t k_header_size_bytes = 8;

Error parse_error(const std::string& why) {
    return make_error(ErrorCode::parse, "safetensors: " + why);
}

// A JSON number that is a non-negative integer (nlohmann stores those as unsigned or integer).
std::optional<std::uint64_t> unsigned_of(const json& j) {
    if (j.is_number_unsigned()) return j.get<std::uint64_t>();
    if (j.is_number_integer() && j.get<std::int64_t>() >= 0)
        return static_cast<std::uint64_t>(j.get<std::int64_t>());
    return std::nullopt;
}

Result<SafetensorsTensor> parse_entry(const std::string& name, const json& entry,
                                      std::uint64_t buffer_size) {
    auto fail = [&name](const std::string& why) {
        return parse_error("tensor '" + name + "': " + why);
    };
    if (!entry.is_object()) return fail("entry is not an object");
    SafetensorsTensor t;
    t.name = name;
    auto dtype = entry.find("dtype");
    if (dtype == entry.end() || !dtype->is_string())
        return fail("dtype is missing or not a string");
    t.dtype = dtype->get<std::string>();
    std::size_t elem_size = safetensors_dtype_size(t.dtype);
    if (elem_size == 0) return fail("unknown dtype '" + t.dtype + "'");
    auto shape = entry.find("shape");
    if (shape == entry.end() || !shape->is_array()) return fail("shape is missing or not an array");
    t.n_elements = 1;
    for (const auto& dim : *shape) {
        auto d = unsigned_of(dim);
        if (!d) return fail("shape holds a value that is not a non-negative integer");
        if (__builtin_mul_overflow(t.n_elements, *d, &t.n_elements) || t.n_elements > k_int64_max)
            return fail("shape's element count overflows");
        t.shape.push_back(*d);
    }
    auto offsets = entry.find("data_offsets");
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2)
        return fail("data_offsets must be [begin, end]");
    auto begin = unsigned_of((*offsets)[0]);
    auto end = unsigned_of((*offsets)[1]);
    if (!begin || !end || *begin > *end)
        return fail("data_offsets must be integers with begin <= end");
    if (*end > buffer_size)
        return fail("data_offsets end " + std::to_string(*end) + " is past the data buffer of " +
                    std::to_string(buffer_size) + " bytes");
    t.begin = *begin;
    t.end = *end;
    std::uint64_t n_bytes = 0;
    if (__builtin_mul_overflow(t.n_elements, elem_size, &n_bytes) || n_bytes != t.end - t.begin)
        return fail(std::to_string(t.end - t.begin) + " data bytes do not match shape and dtype");
    return t;
}

}  // namespace

std::size_t safetensors_dtype_size(std::string_view dtype) {
    struct Row {
        std::string_view name;
        std::size_t size;
    };
    static constexpr Row k_rows[] = {
        {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
        {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
        {"U32", 4},  {"F32", 4}, {"F64", 8}, {"I64", 8},     {"U64", 8},
    };
    for (const auto& row : k_rows)
        if (row.name == dtype) return row.size;
    return 0;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return std::move(mapped).error();
    std::span<const std::uint8_t> bytes = (*mapped)->bytes();
    auto file = parse(bytes, *mapped);
    if (!file) return std::move(file).error().with_context(path.string());
    return file;
}

Result<SafetensorsFile> SafetensorsFile::parse(std::span<const std::uint8_t> bytes,
                                               std::shared_ptr<const void> keep_alive) {
    if (bytes.size() < k_header_size_bytes)
        return parse_error("truncated: the 8-byte header size needs 8 bytes, " +
                           std::to_string(bytes.size()) + " present");
    std::uint64_t header_size = 0;
    std::memcpy(&header_size, bytes.data(), sizeof header_size);  // little-endian host
    std::uint64_t available = bytes.size() - k_header_size_bytes;
    if (header_size > available || header_size > k_safetensors_max_header_bytes)
        return parse_error("header size " + std::to_string(header_size) + " exceeds the " +
                           std::to_string(available) + " bytes after it (or the 100 MB limit)");
    const char* header = reinterpret_cast<const char*>(bytes.data() + k_header_size_bytes);
    json j = json::parse(header, header + header_size, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return parse_error("header is not a JSON object");

    SafetensorsFile file;
    file.keep_alive_ = std::move(keep_alive);
    file.data_ = bytes.subspan(k_header_size_bytes + static_cast<std::size_t>(header_size));
    for (const auto& [name, entry] : j.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) return parse_error("__metadata__ is not an object");
            for (const auto& [k, v] : entry.items()) {
                if (!v.is_string())
                    return parse_error("__metadata__ value '" + k + "' is not a string");
                file.metadata_[k] = v.get<std::string>();
            }
            continue;
        }
        auto tensor = parse_entry(name, entry, file.data_.size());
        if (!tensor) return std::move(tensor).error();
        file.tensors_.push_back(std::move(*tensor));
    }
    // nlohmann keeps object keys sorted, so tensors_ is sorted by name.
    std::vector<const SafetensorsTensor*> by_offset;
    for (const auto& t : file.tensors_)
        if (t.end > t.begin) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const auto* a, const auto* b) { return a->begin < b->begin; });
    for (std::size_t i = 1; i < by_offset.size(); ++i)
        if (by_offset[i - 1]->end > by_offset[i]->begin)
            return parse_error("tensors '" + by_offset[i - 1]->name + "' and '" +
                               by_offset[i]->name + "' overlap");
    return file;
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
    auto it =
        std::lower_bound(tensors_.begin(), tensors_.end(), name,
                         [](const SafetensorsTensor& t, std::string_view n) { return t.name < n; });
    return it != tensors_.end() && it->name == name ? &*it : nullptr;
}

std::span<const std::uint8_t> SafetensorsFile::tensor_data(const SafetensorsTensor& tensor) const {
    return data_.subspan(static_cast<std::size_t>(tensor.begin),
                         static_cast<std::size_t>(tensor.end - tensor.begin));
}

}  // namespace braid::backends::local
