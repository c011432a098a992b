#include "backends/local/gguf/gguf_reader.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <type_traits>

#include "backends/local/gguf/mapped_file.hpp"

namespace braid::backends::local {

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader decodes little-endian fields with memcpy");

namespace {

constexpr std::uint64_t k_int64_max =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

// Reads little-endian fields from a byte span. The first failure sticks: later reads return
// zero values and change nothing, so a parser can check failed() after a group of reads.
class Cursor {
public:
    explicit Cursor(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

    std::uint64_t offset() const { return pos_; }
    std::uint64_t remaining() const { return bytes_.size() - pos_; }
    bool failed() const { return failed_; }
    const std::string& failure() const { return failure_; }

    void fail_at(std::uint64_t offset, const std::string& message) {
        if (failed_) return;
        failed_ = true;
        failure_ = message + " (at offset " + std::to_string(offset) + ")";
    }

    template <class T>
    T read(const char* what) {
        static_assert(std::is_trivially_copyable_v<T>);
        T value{};
        if (!need(sizeof(T), what)) return value;
        std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return value;
    }

    std::string read_string(const char* what) {
        std::uint64_t start = pos_;
        auto len = read<std::uint64_t>(what);
        if (failed_) return {};
        if (len > remaining()) {
            fail_at(start, std::string(what) + ": length " + std::to_string(len) + " exceeds the " +
                               std::to_string(remaining()) + " bytes left");
            return {};
        }
        std::string out(reinterpret_cast<const char*>(bytes_.data() + pos_),
                        static_cast<std::size_t>(len));
        pos_ += len;
        return out;
    }

private:
    bool need(std::uint64_t n, const char* what) {
        if (failed_) return false;
        if (n > remaining()) {
            fail_at(pos_, std::string("truncated: ") + what + " needs " + std::to_string(n) +
                              " bytes, " + std::to_string(remaining()) + " left");
            return false;
        }
        return true;
    }

    std::span<const std::uint8_t> bytes_;
    std::uint64_t pos_ = 0;
    bool failed_ = false;
    std::string failure_;
};

template <class T>
GgufValue make_value(T value) {
    GgufValue out;
    out.storage.template emplace<T>(std::move(value));
    return out;
}

// The fewest bytes one encoded value of `type` takes; used to bound counts before reserving.
std::uint64_t min_encoded_size(GgufValueType type) {
    switch (type) {
        case GgufValueType::uint8:
        case GgufValueType::int8:
        case GgufValueType::boolean:
            return 1;
        case GgufValueType::uint16:
        case GgufValueType::int16:
            return 2;
        case GgufValueType::uint32:
        case GgufValueType::int32:
        case GgufValueType::float32:
            return 4;
        case GgufValueType::string:
        case GgufValueType::uint64:
        case GgufValueType::int64:
        case GgufValueType::float64:
            return 8;
        case GgufValueType::array:
            return 12;
    }
    return 1;
}

GgufValue read_value(Cursor& cur, GgufValueType type, int depth) {
    switch (type) {
        case GgufValueType::uint8:
            return make_value(cur.read<std::uint8_t>("uint8 value"));
        case GgufValueType::int8:
            return make_value(cur.read<std::int8_t>("int8 value"));
        case GgufValueType::uint16:
            return make_value(cur.read<std::uint16_t>("uint16 value"));
        case GgufValueType::int16:
            return make_value(cur.read<std::int16_t>("int16 value"));
        case GgufValueType::uint32:
            return make_value(cur.read<std::uint32_t>("uint32 value"));
        case GgufValueType::int32:
            return make_value(cur.read<std::int32_t>("int32 value"));
        case GgufValueType::float32:
            return make_value(cur.read<float>("float32 value"));
        case GgufValueType::uint64:
            return make_value(cur.read<std::uint64_t>("uint64 value"));
        case GgufValueType::int64:
            return make_value(cur.read<std::int64_t>("int64 value"));
        case GgufValueType::float64:
            return make_value(cur.read<double>("float64 value"));
        case GgufValueType::boolean: {
            std::uint64_t at = cur.offset();
            auto byte = cur.read<std::uint8_t>("bool value");
            if (byte > 1) cur.fail_at(at, "bool value " + std::to_string(byte) + " is not 0 or 1");
            return make_value(byte != 0);
        }
        case GgufValueType::string:
            return make_value(cur.read_string("string value"));
        case GgufValueType::array: {
            std::uint64_t at = cur.offset();
            if (depth >= k_gguf_max_array_depth) {
                cur.fail_at(at,
                            "arrays nested deeper than " + std::to_string(k_gguf_max_array_depth));
                return {};
            }
            auto elem_id = cur.read<std::uint32_t>("array element type");
            if (!cur.failed() && elem_id >= k_gguf_value_type_count)
                cur.fail_at(at, "unknown array element type " + std::to_string(elem_id));
            std::uint64_t count_at = cur.offset();
            auto count = cur.read<std::uint64_t>("array count");
            if (cur.failed()) return {};
            GgufArray array;
            array.elem_type = static_cast<GgufValueType>(elem_id);
            std::uint64_t min_size = min_encoded_size(array.elem_type);
            if (count > cur.remaining() / min_size) {
                cur.fail_at(count_at, "array count " + std::to_string(count) + " of " +
                                          gguf_value_type_name(array.elem_type) +
                                          " needs at least " + std::to_string(min_size) +
                                          " bytes each, " + std::to_string(cur.remaining()) +
                                          " left");
                return {};
            }
            array.items.reserve(static_cast<std::size_t>(count));
            for (std::uint64_t i = 0; i < count && !cur.failed(); ++i)
                array.items.push_back(read_value(cur, array.elem_type, depth + 1));
            return make_value(std::move(array));
        }
    }
    return {};
}

bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    return !__builtin_mul_overflow(a, b, &out);
}

}  // namespace

// Builds a GgufFile from bytes; a class so GgufFile can befriend it.
class GgufParser {
public:
    static Result<GgufFile> run(std::span<const std::uint8_t> bytes,
                                std::shared_ptr<const void> keep_alive) {
        GgufFile file;
        file.bytes_ = bytes;
        file.keep_alive_ = std::move(keep_alive);
        Cursor cur(bytes);
        if (auto err = parse_header(cur, file); !err.empty()) return fail(err);
        return file;
    }

private:
    static Error fail(const std::string& message) {
        return make_error(ErrorCode::parse, "gguf: " + message);
    }

    // Returns an empty string on success, else the message.
    static std::string parse_header(Cursor& cur, GgufFile& file) {
        auto magic = cur.read<std::uint32_t>("magic");
        if (cur.failed()) return cur.failure();
        if (magic != k_gguf_magic) return "not a GGUF file: bad magic (at offset 0)";
        auto version = cur.read<std::uint32_t>("version");
        if (cur.failed()) return cur.failure();
        if (version != 2 && version != 3) {
            std::uint32_t swapped = __builtin_bswap32(version);
            std::string hint = swapped == 3 || swapped == 2
                                   ? " (a big-endian file? only little-endian is supported)"
                                   : "";
            return "unsupported version " + std::to_string(version) + hint + " (at offset 4)";
        }
        file.version_ = version;
        auto tensor_count = cur.read<std::uint64_t>("tensor count");
        auto kv_count = cur.read<std::uint64_t>("metadata count");
        if (cur.failed()) return cur.failure();
        // Bound the counts by the bytes left before reserving anything.
        constexpr std::uint64_t min_kv_bytes = 8 + 4 + 1;
        constexpr std::uint64_t min_tensor_bytes = 8 + 4 + 4 + 8;
        if (kv_count > cur.remaining() / min_kv_bytes)
            return "metadata count " + std::to_string(kv_count) + " cannot fit in the " +
                   std::to_string(cur.remaining()) + " bytes left (at offset 16)";
        if (tensor_count > cur.remaining() / min_tensor_bytes)
            return "tensor count " + std::to_string(tensor_count) + " cannot fit in the " +
                   std::to_string(cur.remaining()) + " bytes left (at offset 8)";

        if (auto err = parse_metadata(cur, file, kv_count); !err.empty()) return err;
        if (auto err = parse_alignment(file); !err.empty()) return err;
        if (auto err = parse_tensor_infos(cur, file, tensor_count); !err.empty()) return err;
        return check_data(cur, file);
    }

    static std::string parse_metadata(Cursor& cur, GgufFile& file, std::uint64_t count) {
        file.metadata_.reserve(static_cast<std::size_t>(count));
        for (std::uint64_t i = 0; i < count; ++i) {
            std::uint64_t at = cur.offset();
            std::string key = cur.read_string("metadata key");
            std::string where = "metadata entry #" + std::to_string(i);
            if (cur.failed()) return where + ": " + cur.failure();
            where += " '" + key + "'";
            std::uint64_t type_at = cur.offset();
            auto type_id = cur.read<std::uint32_t>("metadata value type");
            if (cur.failed()) return where + ": " + cur.failure();
            if (type_id >= k_gguf_value_type_count)
                return where + ": unknown value type " + std::to_string(type_id) + " (at offset " +
                       std::to_string(type_at) + ")";
            GgufValue value = read_value(cur, static_cast<GgufValueType>(type_id), 0);
            if (cur.failed()) return where + ": " + cur.failure();
            if (file.metadata_index_.count(key) != 0)
                return where + ": duplicate key (at offset " + std::to_string(at) + ")";
            file.metadata_index_.emplace(key, file.metadata_.size());
            file.metadata_.push_back({std::move(key), std::move(value)});
        }
        return {};
    }

    static std::string parse_alignment(GgufFile& file) {
        const GgufValue* value = file.find("general.alignment");
        if (value == nullptr) return {};
        const auto* alignment = std::get_if<std::uint32_t>(&value->storage);
        if (alignment == nullptr)
            return std::string("general.alignment must be uint32, not ") +
                   gguf_value_type_name(value->type());
        if (*alignment == 0 || !std::has_single_bit(*alignment))
            return "general.alignment " + std::to_string(*alignment) + " is not a power of two";
        file.alignment_ = *alignment;
        return {};
    }

    static std::string parse_tensor_infos(Cursor& cur, GgufFile& file, std::uint64_t count) {
        file.tensors_.reserve(static_cast<std::size_t>(count));
        for (std::uint64_t i = 0; i < count; ++i) {
            std::string where = "tensor info #" + std::to_string(i);
            std::uint64_t at = cur.offset();
            GgufTensorInfo info;
            info.name = cur.read_string("tensor name");
            if (cur.failed()) return where + ": " + cur.failure();
            where += " '" + info.name + "'";
            if (info.name.size() > k_gguf_max_name_bytes)
                return where + ": name longer than " + std::to_string(k_gguf_max_name_bytes) +
                       " bytes (at offset " + std::to_string(at) + ")";
            std::uint64_t dims_at = cur.offset();
            auto n_dims = cur.read<std::uint32_t>("tensor dim count");
            if (cur.failed()) return where + ": " + cur.failure();
            if (n_dims > k_gguf_max_dims)
                return where + ": " + std::to_string(n_dims) + " dims, at most " +
                       std::to_string(k_gguf_max_dims) + " allowed (at offset " +
                       std::to_string(dims_at) + ")";
            info.n_elements = 1;
            for (std::uint32_t d = 0; d < n_dims; ++d) {
                std::uint64_t dim_at = cur.offset();
                auto dim = cur.read<std::uint64_t>("tensor dim");
                if (cur.failed()) return where + ": " + cur.failure();
                if (dim > k_int64_max || !checked_mul(info.n_elements, dim, info.n_elements) ||
                    info.n_elements > k_int64_max)
                    return where + ": dim " + std::to_string(d) + " = " + std::to_string(dim) +
                           " makes the element count overflow int64 (at offset " +
                           std::to_string(dim_at) + ")";
                info.dims.push_back(dim);
            }
            std::uint64_t type_at = cur.offset();
            auto type_id = cur.read<std::uint32_t>("tensor type");
            std::uint64_t offset_at = cur.offset();
            info.offset = cur.read<std::uint64_t>("tensor data offset");
            if (cur.failed()) return where + ": " + cur.failure();
            auto type = ggml_type_from_id(type_id);
            if (!type)
                return where + ": unknown tensor type id " + std::to_string(type_id) +
                       " (at offset " + std::to_string(type_at) + ")";
            info.type = *type;
            GgmlTypeTraits traits = ggml_type_traits(info.type);
            std::uint64_t row = info.dims.empty() ? 1 : info.dims[0];
            if (row % traits.block_elems != 0)
                return where + ": dim 0 = " + std::to_string(row) + " is not a multiple of the " +
                       traits.name + " block size " + std::to_string(traits.block_elems) +
                       " (at offset " + std::to_string(dims_at) + ")";
            if (!checked_mul(info.n_elements / traits.block_elems, traits.block_bytes,
                             info.n_bytes))
                return where + ": byte size overflows (at offset " + std::to_string(dims_at) + ")";
            if (info.offset % file.alignment_ != 0)
                return where + ": data offset " + std::to_string(info.offset) +
                       " is not a multiple of the alignment " + std::to_string(file.alignment_) +
                       " (at offset " + std::to_string(offset_at) + ")";
            if (file.tensor_index_.count(info.name) != 0)
                return where + ": duplicate tensor name (at offset " + std::to_string(at) + ")";
            file.tensor_index_.emplace(info.name, file.tensors_.size());
            file.tensors_.push_back(std::move(info));
        }
        return {};
    }

    static std::string check_data(const Cursor& cur, GgufFile& file) {
        // alignment ≤ 2^31 and offset ≤ file size, so this cannot overflow.
        file.data_offset_ =
            (cur.offset() + file.alignment_ - 1) / file.alignment_ * file.alignment_;
        const std::uint64_t size = file.bytes_.size();
        std::vector<const GgufTensorInfo*> by_offset;
        for (const auto& info : file.tensors_) {
            std::uint64_t begin = 0;
            std::uint64_t end = 0;
            if (__builtin_add_overflow(file.data_offset_, info.offset, &begin) ||
                __builtin_add_overflow(begin, info.n_bytes, &end) || end > size)
                return "tensor '" + info.name + "': data (offset " + std::to_string(info.offset) +
                       ", " + std::to_string(info.n_bytes) + " bytes, data section at " +
                       std::to_string(file.data_offset_) + ") runs past the end of the file (" +
                       std::to_string(size) + " bytes)";
            if (info.n_bytes > 0) by_offset.push_back(&info);
        }
        std::sort(by_offset.begin(), by_offset.end(),
                  [](const auto* a, const auto* b) { return a->offset < b->offset; });
        for (std::size_t i = 1; i < by_offset.size(); ++i) {
            const auto* prev = by_offset[i - 1];
            if (prev->offset + prev->n_bytes > by_offset[i]->offset)
                return "tensors '" + prev->name + "' and '" + by_offset[i]->name +
                       "' overlap in the data section";
        }
        return {};
    }
};

Result<GgufFile> GgufFile::open(const std::filesystem::path& path) {
    auto mapped = MappedFile::open(path);
    if (!mapped) return std::move(mapped).error();
    std::span<const std::uint8_t> bytes = (*mapped)->bytes();
    auto file = parse(bytes, *mapped);
    if (!file) return std::move(file).error().with_context(path.string());
    return file;
}

Result<GgufFile> GgufFile::parse(std::span<const std::uint8_t> bytes,
                                 std::shared_ptr<const void> keep_alive) {
    return GgufParser::run(bytes, std::move(keep_alive));
}

const GgufValue* GgufFile::find(std::string_view key) const {
    auto it = metadata_index_.find(key);
    return it == metadata_index_.end() ? nullptr : &metadata_[it->second].value;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::uint8_t> GgufFile::tensor_data(const GgufTensorInfo& info) const {
    return bytes_.subspan(static_cast<std::size_t>(data_offset_ + info.offset),
                          static_cast<std::size_t>(info.n_bytes));
}

}  // namespace braid::backends::local
