#include "backends/local/model/model_loader.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "backends/local/gguf/dtype_convert.hpp"
#include "backends/local/model/gguf_model_config.hpp"
#include "backends/local/model/gguf_tokenizer_spec.hpp"
#include "backends/local/model/hf_config_json.hpp"
#include "backends/local/model/qk_permute.hpp"
#include "backends/local/model/safetensors_reader.hpp"
#include "backends/local/model/weight_assembly.hpp"

namespace braid::backends::local {

namespace fs = std::filesystem;

namespace {

Error tensor_error(const std::string& name, const std::string& why) {
    return make_error(ErrorCode::invalid_input, "tensor '" + name + "': " + why);
}

std::string dims_text(const std::vector<std::uint64_t>& dims) {
    std::string out = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
    return out + "]";
}

// Q and K of llama-arch GGUF files are stored permuted for interleaved RoPE (qk_permute.hpp).
std::optional<std::size_t> permuted_heads(const ModelConfig& c, WeightRole role) {
    if (c.family != ModelFamily::llama) return std::nullopt;
    if (role == WeightRole::wq || role == WeightRole::bq)
        return static_cast<std::size_t>(c.n_heads);
    if (role == WeightRole::wk || role == WeightRole::bk)
        return static_cast<std::size_t>(c.n_kv_heads);
    return std::nullopt;
}

Error unexpected_tensors(const std::set<std::string>& left) {
    std::string names;
    std::size_t shown = 0;
    for (const auto& n : left) {
        if (shown++ == 3) {
            names += ", ...";
            break;
        }
        names += (names.empty() ? "'" : ", '") + n + "'";
    }
    return make_error(ErrorCode::invalid_input,
                      std::to_string(left.size()) +
                          " unexpected tensor(s) the config does not explain: " + names);
}

Result<std::string> read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return make_error(fs::exists(path) ? ErrorCode::invalid_input : ErrorCode::not_found,
                          "cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Shard files named by model.safetensors.index.json's weight_map, in name order.
Result<std::vector<fs::path>> shards_from_index(const fs::path& index_path) {
    auto text = read_text(index_path);
    if (!text) return std::move(text).error();
    auto j = nlohmann::json::parse(*text, nullptr, false);
    auto map = j.is_object() ? j.find("weight_map") : j.end();
    if (j.is_discarded() || map == j.end() || !map->is_object())
        return make_error(ErrorCode::parse, index_path.string() + ": no weight_map object");
    std::set<std::string> files;
    for (const auto& [name, file] : map->items()) {
        if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos)
            return make_error(ErrorCode::parse,
                              index_path.string() + ": bad shard for '" + name + "'");
        files.insert(file.get<std::string>());
    }
    std::vector<fs::path> out;
    for (const auto& f : files) out.push_back(index_path.parent_path() / f);
    return out;
}

std::vector<fs::path> files_with_extension(const fs::path& dir, const std::string& ext) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.is_regular_file() && entry.path().extension() == ext) out.push_back(entry.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

Result<LoadedModel> load_gguf_model(const GgufFile& file) {
    auto config = config_from_gguf(file);
    if (!config) return std::move(config).error();
    const ModelConfig& c = *config;
    std::set<std::string> unused;
    for (const auto& t : file.tensors()) unused.insert(t.name);
    unused.erase("rope_freqs.weight");  // folded into config.rope_scaling

    WeightFetch fetch = [&](const WeightRequest& req) -> Result<Tensor> {
        std::string name = gguf_weight_name(req.role, req.layer);
        const GgufTensorInfo* info = file.find_tensor(name);
        if (info == nullptr) {
            if (req.required) return tensor_error(name, "missing");
            return Tensor{};
        }
        unused.erase(name);
        std::vector<std::uint64_t> want = req.rows == 1
                                              ? std::vector<std::uint64_t>{req.cols}
                                              : std::vector<std::uint64_t>{req.cols, req.rows};
        if (info->dims != want)
            return tensor_error(name, "dims " + dims_text(info->dims) + ", the config implies " +
                                          dims_text(want) + " (ggml order)");
        if (!ggml_type_convertible(info->type))
            return tensor_error(name, std::string("type ") + ggml_type_traits(info->type).name +
                                          " is not supported (F32, F16, BF16, Q8_0, Q4_0)");
        auto data = file.tensor_data(*info);
        auto heads = permuted_heads(c, req.role);
        if (!heads && info->type == GgmlType::f32)
            return alias_or_decode_f32(data, req.rows, req.cols, file.keep_alive());
        std::function<void(std::span<float>)> fixup;
        if (heads) {
            // A weight has head_dim rows of `hidden` floats per head; a bias one float per row.
            std::size_t row_len = req.rows == 1 ? 1 : req.cols;
            std::size_t head_dim = static_cast<std::size_t>(c.head_dim);
            std::size_t n_heads = *heads;
            fixup = [=](std::span<float> v) {
                unpermute_gguf_rope_rows(v, n_heads, head_dim, row_len);
            };
        }
        auto t = decode_tensor(info->type, data, req.rows, req.cols, fixup);
        if (!t) return std::move(t).error().with_context("tensor '" + name + "'");
        return t;
    };
    auto weights = assemble_weights(c, fetch);
    if (!weights) return std::move(weights).error().with_context("gguf");
    if (!unused.empty()) return unexpected_tensors(unused).with_context("gguf");
    auto tokenizer = tokenizer_from_gguf(file);
    if (!tokenizer) return std::move(tokenizer).error();
    return LoadedModel{std::move(*weights), std::move(*tokenizer), "gguf"};
}

Result<LoadedModel> load_safetensors_model(const std::vector<fs::path>& shards,
                                           const fs::path& config_json) {
    auto text = read_text(config_json);
    if (!text) return std::move(text).error();
    auto config = config_from_hf_json(*text);
    if (!config) return std::move(config).error().with_context(config_json.string());
    std::vector<SafetensorsFile> files;
    std::set<std::string> unused;
    for (const auto& path : shards) {
        auto file = SafetensorsFile::open(path);
        if (!file) return std::move(file).error();
        for (const auto& t : file->tensors()) {
            if (unused.count(t.name) != 0)
                return tensor_error(t.name, "appears in more than one shard");
            if (!t.name.ends_with(".rotary_emb.inv_freq")) unused.insert(t.name);
        }
        files.push_back(std::move(*file));
    }
    if (config->tied_embeddings) unused.erase("lm_head.weight");  // HF ties it anyway

    WeightFetch fetch = [&](const WeightRequest& req) -> Result<Tensor> {
        std::string name = hf_weight_name(req.role, req.layer);
        const SafetensorsFile* owner = nullptr;
        const SafetensorsTensor* st = nullptr;
        for (const auto& f : files) {
            if ((st = f.find(name)) != nullptr) {
                owner = &f;
                break;
            }
        }
        if (st == nullptr) {
            if (req.required) return tensor_error(name, "missing");
            return Tensor{};
        }
        unused.erase(name);
        std::vector<std::uint64_t> want = req.rows == 1
                                              ? std::vector<std::uint64_t>{req.cols}
                                              : std::vector<std::uint64_t>{req.rows, req.cols};
        if (st->shape != want)
            return tensor_error(
                name, "shape " + dims_text(st->shape) + ", the config implies " + dims_text(want));
        auto data = owner->tensor_data(*st);
        if (st->dtype == "F32")
            return alias_or_decode_f32(data, req.rows, req.cols, owner->keep_alive());
        GgmlType type;
        if (st->dtype == "F16")
            type = GgmlType::f16;
        else if (st->dtype == "BF16")
            type = GgmlType::bf16;
        else
            return tensor_error(name, "dtype " + st->dtype + " is not supported (F32, F16, BF16)");
        return decode_tensor(type, data, req.rows, req.cols, {});
    };
    auto weights = assemble_weights(*config, fetch);
    if (!weights) return std::move(weights).error().with_context("safetensors");
    if (!unused.empty()) return unexpected_tensors(unused).with_context("safetensors");
    return LoadedModel{std::move(*weights), std::nullopt, "safetensors"};
}

Result<LoadedModel> load_model(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        fs::path config = path / "config.json";
        fs::path index = path / "model.safetensors.index.json";
        auto safetensors = files_with_extension(path, ".safetensors");
        if (fs::exists(index, ec)) {
            auto shards = shards_from_index(index);
            if (!shards) return std::move(shards).error();
            return load_safetensors_model(*shards, config);
        }
        if (safetensors.size() == 1) return load_safetensors_model(safetensors, config);
        if (safetensors.size() > 1)
            return make_error(
                ErrorCode::invalid_input,
                path.string() + ": several .safetensors files and no model.safetensors.index.json");
        auto ggufs = files_with_extension(path, ".gguf");
        if (ggufs.size() == 1) return load_model(ggufs.front());
        return make_error(
            ErrorCode::not_found,
            path.string() + ": no model (one .gguf, or config.json with .safetensors)");
    }
    if (!fs::exists(path, ec))
        return make_error(ErrorCode::not_found, "no such model file: " + path.string());
    if (path.extension() == ".safetensors")
        return load_safetensors_model({path}, path.parent_path() / "config.json");
    auto file = GgufFile::open(path);
    if (!file) return std::move(file).error();
    auto model = load_gguf_model(*file);
    if (!model) return std::move(model).error().with_context(path.string());
    return model;
}

}  // namespace braid::backends::local
