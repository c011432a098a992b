#include "backends/local/model/hf_config_json.hpp"

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "backends/local/model/config_validation.hpp"

namespace braid::backends::local {

namespace {

using nlohmann::json;

Error field_error(const std::string& field, const std::string& why) {
    return make_error(ErrorCode::invalid_input, "config.json: " + field + " " + why);
}

// An integer field; `fallback` when absent (or null), an error when required and absent.
Result<std::int64_t> int_field(const json& j, const char* name,
                               std::optional<std::int64_t> fallback) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
        if (fallback) return *fallback;
        return field_error(name, "is missing");
    }
    if (!it->is_number_integer()) return field_error(name, "must be an integer");
    return it->get<std::int64_t>();
}

Result<float> float_field(const json& j, const char* name, std::optional<float> fallback) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) {
        if (fallback) return *fallback;
        return field_error(name, "is missing");
    }
    if (!it->is_number()) return field_error(name, "must be a number");
    double value = it->get<double>();
    if (!(std::fabs(value) <= std::numeric_limits<float>::max()))
        return field_error(name, "is not a finite float32 value");
    return static_cast<float>(value);
}

Result<bool> bool_field(const json& j, const char* name, bool fallback) {
    auto it = j.find(name);
    if (it == j.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) return field_error(name, "must be true or false");
    return it->get<bool>();
}

Result<ModelFamily> family_of(const json& j) {
    std::string type;
    if (auto it = j.find("model_type"); it != j.end() && it->is_string())
        type = it->get<std::string>();
    if (type.empty()) {
        auto it = j.find("architectures");
        if (it != j.end() && it->is_array() && !it->empty() && (*it)[0].is_string()) {
            std::string arch = (*it)[0].get<std::string>();
            if (arch == "LlamaForCausalLM") type = "llama";
            if (arch == "Qwen2ForCausalLM") type = "qwen2";
        }
    }
    if (type == "llama") return ModelFamily::llama;
    if (type == "qwen2") return ModelFamily::qwen2;
    return field_error("model_type", "'" + type + "' is not supported (llama or qwen2)");
}

Result<RopeScaling> rope_scaling_of(const json& j) {
    RopeScaling out;
    auto it = j.find("rope_scaling");
    if (it == j.end() || it->is_null()) return out;
    if (!it->is_object()) return field_error("rope_scaling", "must be an object or null");
    const json& rs = *it;
    std::string type;
    for (const char* key : {"rope_type", "type"}) {
        auto t = rs.find(key);
        if (t != rs.end() && t->is_string()) {
            type = t->get<std::string>();
            break;
        }
    }
    if (type == "default") return out;
    if (type != "llama3")
        return field_error("rope_scaling", "type '" + type + "' is not supported (llama3 only)");
    out.kind = RopeScaling::Kind::llama3;
    auto factor = float_field(rs, "factor", std::nullopt);
    auto low = float_field(rs, "low_freq_factor", out.low_freq_factor);
    auto high = float_field(rs, "high_freq_factor", out.high_freq_factor);
    auto l0 = int_field(rs, "original_max_position_embeddings", out.original_max_position);
    if (!factor) return std::move(factor).error().with_context("rope_scaling");
    if (!low) return std::move(low).error().with_context("rope_scaling");
    if (!high) return std::move(high).error().with_context("rope_scaling");
    if (!l0) return std::move(l0).error().with_context("rope_scaling");
    out.factor = *factor;
    out.low_freq_factor = *low;
    out.high_freq_factor = *high;
    out.original_max_position = *l0;
    return out;
}

Result<ModelConfig> parse_config(const json& j) {
    if (!j.is_object()) return field_error("top level", "must be an object");
    ModelConfig c;
    auto family = family_of(j);
    if (!family) return std::move(family).error();
    c.family = *family;

    struct IntField {
        const char* name;
        std::int64_t* dst;
    };
    for (IntField f :
         {IntField{"vocab_size", &c.vocab_size}, IntField{"hidden_size", &c.hidden_size},
          IntField{"num_hidden_layers", &c.n_layers}, IntField{"num_attention_heads", &c.n_heads},
          IntField{"intermediate_size", &c.ffn_size}}) {
        auto v = int_field(j, f.name, std::nullopt);
        if (!v) return std::move(v).error();
        *f.dst = *v;
    }
    auto kv = int_field(j, "num_key_value_heads", c.n_heads);
    if (!kv) return std::move(kv).error();
    c.n_kv_heads = *kv;
    if (c.n_heads <= 0) return field_error("num_attention_heads", "must be positive");
    auto head_dim = int_field(j, "head_dim", c.hidden_size / c.n_heads);
    if (!head_dim) return std::move(head_dim).error();
    c.head_dim = *head_dim;
    std::int64_t default_ctx = c.family == ModelFamily::qwen2 ? 32768 : 2048;
    auto ctx = int_field(j, "max_position_embeddings", default_ctx);
    if (!ctx) return std::move(ctx).error();
    c.max_position = *ctx;
    auto eps = float_field(j, "rms_norm_eps", 1e-6f);
    if (!eps) return std::move(eps).error();
    c.rms_eps = *eps;
    auto theta = float_field(j, "rope_theta", 10000.0f);
    if (!theta) return std::move(theta).error();
    c.rope_theta = *theta;
    auto scaling = rope_scaling_of(j);
    if (!scaling) return std::move(scaling).error();
    c.rope_scaling = *scaling;
    auto tied = bool_field(j, "tie_word_embeddings", false);
    if (!tied) return std::move(tied).error();
    c.tied_embeddings = *tied;
    auto attention_bias = bool_field(j, "attention_bias", false);
    if (!attention_bias) return std::move(attention_bias).error();
    c.qkv_bias = c.family == ModelFamily::qwen2 || *attention_bias;

    if (auto act = j.find("hidden_act"); act != j.end() && *act != "silu")
        return field_error("hidden_act", "must be \"silu\"");
    auto mlp_bias = bool_field(j, "mlp_bias", false);
    if (!mlp_bias) return std::move(mlp_bias).error();
    if (*mlp_bias) return field_error("mlp_bias", "true is not supported");
    auto sliding = bool_field(j, "use_sliding_window", false);
    if (!sliding) return std::move(sliding).error();
    if (*sliding) return field_error("use_sliding_window", "true is not supported");

    if (auto valid = validate_model_config(c); !valid)
        return std::move(valid).error().with_context("config.json");
    return c;
}

}  // namespace

Result<ModelConfig> config_from_hf_json(std::string_view json_text) {
    json j = json::parse(json_text.begin(), json_text.end(), nullptr, false);
    if (j.is_discarded()) return make_error(ErrorCode::parse, "config.json: invalid JSON");
    return parse_config(j);
}

}  // namespace braid::backends::local
