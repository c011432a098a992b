#include "backends/local/model/gguf_model_config.hpp"

#include <cmath>
#include <limits>
#include <vector>

#include "backends/local/gguf/dtype_convert.hpp"
#include "backends/local/model/config_validation.hpp"
#include "backends/local/model/rope_scaling.hpp"

namespace braid::backends::local {

namespace {

Error key_error(const std::string& key, const std::string& why) {
    return make_error(ErrorCode::invalid_input, "gguf: " + key + " " + why);
}

// An integer key of any integer type; `fallback` when absent, an error if required.
Result<std::int64_t> int_key(const GgufFile& file, const std::string& key,
                             std::optional<std::int64_t> fallback = std::nullopt) {
    const GgufValue* v = file.find(key);
    if (v == nullptr) {
        if (fallback) return *fallback;
        return key_error(key, "is missing");
    }
    auto i = v->as_int();
    if (!i)
        return key_error(key,
                         std::string("must be an integer, not ") + gguf_value_type_name(v->type()));
    return *i;
}

Result<float> float_key(const GgufFile& file, const std::string& key,
                        std::optional<float> fallback = std::nullopt) {
    const GgufValue* v = file.find(key);
    if (v == nullptr) {
        if (fallback) return *fallback;
        return key_error(key, "is missing");
    }
    auto f = v->as_float();
    if (!f)
        return key_error(key,
                         std::string("must be a float, not ") + gguf_value_type_name(v->type()));
    if (!(std::fabs(*f) <= std::numeric_limits<float>::max()))
        return key_error(key, "is not a finite float32 value");
    return static_cast<float>(*f);
}

Result<RopeScaling> rope_scaling_of(const GgufFile& file, const std::string& arch,
                                    const ModelConfig& c) {
    const std::string type_key = arch + ".rope.scaling.type";
    if (const GgufValue* type = file.find(type_key)) {
        const std::string* name = type->as_string();
        if (name == nullptr) return key_error(type_key, "must be a string");
        if (*name != "none") {
            auto factor = float_key(file, arch + ".rope.scaling.factor", 1.0f);
            if (!(*name == "linear" && factor && *factor == 1.0f))
                return key_error(type_key, "'" + *name + "' is not supported");
        }
    }
    const GgufTensorInfo* freqs = file.find_tensor("rope_freqs.weight");
    if (freqs == nullptr) return RopeScaling{};
    if (freqs->type != GgmlType::f32 || freqs->dims.size() != 1)
        return key_error("rope_freqs.weight", "must be a 1-D F32 tensor");
    std::vector<float> factors(static_cast<std::size_t>(freqs->n_elements));
    if (auto r = convert_to_f32(freqs->type, file.tensor_data(*freqs), factors); !r)
        return std::move(r).error();
    std::optional<std::int64_t> l0;
    const std::string l0_key = arch + ".rope.scaling.original_context_length";
    if (file.find(l0_key) != nullptr) {
        auto v = int_key(file, l0_key);
        if (!v) return std::move(v).error();
        l0 = *v;
    }
    auto fit = fit_llama3_rope_scaling(factors, c.rope_theta, c.head_dim, l0);
    if (!fit) return std::move(fit).error().with_context("gguf");
    return *fit;
}

}  // namespace

Result<ModelConfig> config_from_gguf(const GgufFile& file) {
    const GgufValue* arch_value = file.find("general.architecture");
    if (arch_value == nullptr || arch_value->as_string() == nullptr)
        return key_error("general.architecture", "is missing or not a string");
    const std::string arch = *arch_value->as_string();
    ModelConfig c;
    if (arch == "llama")
        c.family = ModelFamily::llama;
    else if (arch == "qwen2")
        c.family = ModelFamily::qwen2;
    else
        return key_error("general.architecture",
                         "'" + arch + "' is not supported (llama or qwen2)");

    struct IntKey {
        const char* suffix;
        std::int64_t* dst;
    };
    for (IntKey k :
         {IntKey{".embedding_length", &c.hidden_size}, IntKey{".block_count", &c.n_layers},
          IntKey{".feed_forward_length", &c.ffn_size}, IntKey{".attention.head_count", &c.n_heads},
          IntKey{".context_length", &c.max_position}}) {
        auto v = int_key(file, arch + k.suffix);
        if (!v) return std::move(v).error();
        *k.dst = *v;
    }
    if (c.n_heads <= 0) return key_error(arch + ".attention.head_count", "must be positive");
    auto kv = int_key(file, arch + ".attention.head_count_kv", c.n_heads);
    if (!kv) return std::move(kv).error();
    c.n_kv_heads = *kv;
    auto key_len = int_key(file, arch + ".attention.key_length", c.hidden_size / c.n_heads);
    auto value_len = int_key(file, arch + ".attention.value_length", c.hidden_size / c.n_heads);
    if (!key_len) return std::move(key_len).error();
    if (!value_len) return std::move(value_len).error();
    if (*key_len != *value_len)
        return key_error(arch + ".attention.key_length", "differs from value_length");
    c.head_dim = *key_len;
    auto rope_dims = int_key(file, arch + ".rope.dimension_count", c.head_dim);
    if (!rope_dims) return std::move(rope_dims).error();
    if (*rope_dims != c.head_dim)
        return key_error(arch + ".rope.dimension_count",
                         std::to_string(*rope_dims) + " differs from the head dim " +
                             std::to_string(c.head_dim) + " (partial RoPE is not supported)");
    auto eps = float_key(file, arch + ".attention.layer_norm_rms_epsilon");
    if (!eps) return std::move(eps).error();
    c.rms_eps = *eps;
    auto theta = float_key(file, arch + ".rope.freq_base", 10000.0f);
    if (!theta) return std::move(theta).error();
    c.rope_theta = *theta;

    const GgufTensorInfo* embd = file.find_tensor("token_embd.weight");
    if (embd == nullptr) return key_error("token_embd.weight", "tensor is missing");
    if (embd->dims.size() != 2 || embd->dims[0] != static_cast<std::uint64_t>(c.hidden_size))
        return key_error("token_embd.weight", "must have dims [embedding_length, vocab]");
    c.vocab_size = static_cast<std::int64_t>(embd->dims[1]);
    if (file.find(arch + ".vocab_size") != nullptr) {
        auto vocab = int_key(file, arch + ".vocab_size");
        if (!vocab) return std::move(vocab).error();
        if (*vocab != c.vocab_size)
            return key_error(arch + ".vocab_size", std::to_string(*vocab) +
                                                       " differs from token_embd.weight's " +
                                                       std::to_string(c.vocab_size) + " rows");
    }
    c.tied_embeddings = file.find_tensor("output.weight") == nullptr;
    c.qkv_bias = file.find_tensor("blk.0.attn_q.bias") != nullptr;

    if (c.head_dim <= 0 || c.head_dim % 2 != 0)
        return key_error(arch + ".attention.key_length", "head dim must be positive and even");
    auto scaling = rope_scaling_of(file, arch, c);
    if (!scaling) return std::move(scaling).error();
    c.rope_scaling = *scaling;
    if (auto valid = validate_model_config(c); !valid)
        return std::move(valid).error().with_context("gguf");
    return c;
}

}  // namespace braid::backends::local
