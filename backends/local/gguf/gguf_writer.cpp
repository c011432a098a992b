#include "backends/local/gguf/gguf_writer.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <type_traits>

#include "backends/local/gguf/dtype_convert.hpp"
#include "backends/local/gguf/gguf_reader.hpp"

namespace braid::backends::local {

namespace {

class ByteSink {
public:
    template <class T>
    void put(T value) {
        static_assert(std::is_trivially_copyable_v<T>);
        std::size_t at = out_.size();
        out_.resize(at + sizeof(T));
        std::memcpy(out_.data() + at, &value, sizeof(T));
    }
    void put_string(const std::string& s) {
        put<std::uint64_t>(s.size());
        out_.insert(out_.end(), s.begin(), s.end());
    }
    void put_bytes(const std::vector<std::uint8_t>& bytes) {
        out_.insert(out_.end(), bytes.begin(), bytes.end());
    }
    void pad_to(std::uint64_t alignment) {
        while (out_.size() % alignment != 0) out_.push_back(0);
    }
    std::vector<std::uint8_t> take() { return std::move(out_); }

private:
    std::vector<std::uint8_t> out_;
};

Result<void> put_value(ByteSink& sink, const GgufValue& value, const std::string& key) {
    if (const auto* array = value.as_array()) {
        sink.put(static_cast<std::uint32_t>(array->elem_type));
        sink.put<std::uint64_t>(array->items.size());
        for (const auto& item : array->items) {
            if (item.type() != array->elem_type)
                return make_error(ErrorCode::invalid_input,
                                  "gguf writer: key '" + key + "': array of " +
                                      gguf_value_type_name(array->elem_type) + " holds a " +
                                      gguf_value_type_name(item.type()));
            if (auto r = put_value(sink, item, key); !r) return r;
        }
        return {};
    }
    std::visit(
        [&sink](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) {
                sink.put_string(v);
            } else if constexpr (std::is_same_v<T, bool>) {
                sink.put<std::uint8_t>(v ? 1 : 0);
            } else if constexpr (!std::is_same_v<T, GgufArray>) {
                sink.put(v);
            }
        },
        value.storage);
    return {};
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
    for (auto& [k, v] : metadata_) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    metadata_.emplace_back(key, std::move(value));
}

Result<void> GgufWriter::add_tensor(std::string name, std::vector<std::uint64_t> dims,
                                    GgmlType type, std::vector<std::uint8_t> data) {
    auto error = [&name](const std::string& why) {
        return make_error(ErrorCode::invalid_input, "gguf writer: tensor '" + name + "': " + why);
    };
    for (const auto& t : tensors_)
        if (t.name == name) return error("duplicate name");
    if (dims.size() > k_gguf_max_dims) return error("more than 4 dims");
    std::uint64_t n = 1;
    for (auto d : dims) n *= d;
    GgmlTypeTraits traits = ggml_type_traits(type);
    std::uint64_t row = dims.empty() ? 1 : dims[0];
    if (row % traits.block_elems != 0 || n / traits.block_elems * traits.block_bytes != data.size())
        return error(std::to_string(data.size()) + " bytes do not match the dims for " +
                     traits.name);
    tensors_.push_back({std::move(name), std::move(dims), type, std::move(data)});
    return {};
}

Result<void> GgufWriter::add_tensor_f32(std::string name, std::vector<std::uint64_t> dims,
                                        GgmlType type, std::span<const float> values) {
    auto encoded = encode_from_f32(type, values);
    if (!encoded)
        return std::move(encoded).error().with_context("gguf writer: tensor '" + name + "'");
    return add_tensor(std::move(name), std::move(dims), type, std::move(*encoded));
}

Result<std::vector<std::uint8_t>> GgufWriter::serialize() const {
    std::uint64_t alignment = k_gguf_default_alignment;
    for (const auto& [key, value] : metadata_) {
        if (key != "general.alignment") continue;
        const auto* a = std::get_if<std::uint32_t>(&value.storage);
        if (a == nullptr || *a == 0 || !std::has_single_bit(*a))
            return make_error(ErrorCode::invalid_input,
                              "gguf writer: general.alignment must be a uint32 power of two");
        alignment = *a;
    }
    ByteSink sink;
    sink.put(k_gguf_magic);
    sink.put(k_gguf_version);
    sink.put<std::uint64_t>(tensors_.size());
    sink.put<std::uint64_t>(metadata_.size());
    for (const auto& [key, value] : metadata_) {
        sink.put_string(key);
        sink.put(static_cast<std::uint32_t>(value.type()));
        if (auto r = put_value(sink, value, key); !r) return std::move(r).error();
    }
    std::uint64_t offset = 0;
    for (const auto& t : tensors_) {
        sink.put_string(t.name);
        sink.put(static_cast<std::uint32_t>(t.dims.size()));
        for (auto d : t.dims) sink.put(d);
        sink.put(static_cast<std::uint32_t>(t.type));
        sink.put(offset);
        offset += (t.data.size() + alignment - 1) / alignment * alignment;
    }
    sink.pad_to(alignment);
    for (const auto& t : tensors_) {
        sink.put_bytes(t.data);
        sink.pad_to(alignment);
    }
    return sink.take();
}

Result<void> GgufWriter::write(const std::filesystem::path& path) const {
    auto bytes = serialize();
    if (!bytes) return std::move(bytes).error();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes->data()),
              static_cast<std::streamsize>(bytes->size()));
    out.close();
    if (!out) return make_error(ErrorCode::io, "cannot write " + path.string());
    return {};
}

}  // namespace braid::backends::local
