// ModelConfig from config.json and GGUF metadata; llama3 RoPE parameters; the Q/K permutation.

#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/local/cpu/rope.hpp"
#include "backends/local/gguf/gguf_writer.hpp"
#include "backends/local/model/gguf_model_config.hpp"
#include "backends/local/model/hf_config_json.hpp"
#include "backends/local/model/qk_permute.hpp"
#include "backends/local/model/rope_scaling.hpp"

using namespace braid::backends::local;

namespace {

const char* k_llama32_config = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
  "intermediate_size": 8192, "num_hidden_layers": 16, "num_attention_heads": 32,
  "num_key_value_heads": 8, "head_dim": 64, "hidden_act": "silu", "rms_norm_eps": 1e-05,
  "rope_theta": 500000.0, "max_position_embeddings": 131072, "vocab_size": 128256,
  "tie_word_embeddings": true, "attention_bias": false, "mlp_bias": false,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "torch_dtype": "bfloat16", "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009]
})";

const char* k_qwen25_config = R"({
  "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 896,
  "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14,
  "num_key_value_heads": 2, "hidden_act": "silu", "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
  "max_position_embeddings": 32768, "vocab_size": 151936, "tie_word_embeddings": true,
  "rope_scaling": null, "use_sliding_window": false, "sliding_window": 32768
})";

std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("config.json of Llama-3.2-1B gives its ModelConfig", "[backends_local][config]") {
    auto c = config_from_hf_json(k_llama32_config);
    REQUIRE(c);
    CHECK(c->family == ModelFamily::llama);
    CHECK(c->hidden_size == 2048);
    CHECK(c->n_layers == 16);
    CHECK(c->n_heads == 32);
    CHECK(c->n_kv_heads == 8);
    CHECK(c->head_dim == 64);
    CHECK(c->ffn_size == 8192);
    CHECK(c->vocab_size == 128256);
    CHECK(c->max_position == 131072);
    CHECK(c->rms_eps == 1e-5f);
    CHECK(c->rope_theta == 500000.0f);
    CHECK(c->tied_embeddings);
    CHECK_FALSE(c->qkv_bias);
    CHECK(c->rope_scaling.kind == RopeScaling::Kind::llama3);
    CHECK(c->rope_scaling.factor == 32.0f);
    CHECK(c->rope_scaling.low_freq_factor == 1.0f);
    CHECK(c->rope_scaling.high_freq_factor == 4.0f);
    CHECK(c->rope_scaling.original_max_position == 8192);
}

TEST_CASE("config.json of Qwen2.5-0.5B gives its ModelConfig", "[backends_local][config]") {
    auto c = config_from_hf_json(k_qwen25_config);
    REQUIRE(c);
    CHECK(c->family == ModelFamily::qwen2);
    CHECK(c->head_dim == 64);  // 896 / 14
    CHECK(c->n_kv_heads == 2);
    CHECK(c->qkv_bias);
    CHECK(c->rms_eps == 1e-6f);
    CHECK(c->rope_scaling.kind == RopeScaling::Kind::none);
    CHECK(c->tied_embeddings);
}

TEST_CASE("bad config.json files are refused with the field named", "[backends_local][config]") {
    auto message = [](const std::string& text) {
        auto c = config_from_hf_json(text);
        REQUIRE_FALSE(c);
        return c.error().message;
    };
    CHECK(message("{nope").find("invalid JSON") != std::string::npos);
    CHECK(message("[1]").find("must be an object") != std::string::npos);
    std::string q = k_qwen25_config;
    CHECK(message(replace(q, "\"qwen2\"", "\"gpt2\"")).find("model_type") != std::string::npos);
    CHECK(message(replace(q, "\"hidden_size\": 896,", "")).find("hidden_size is missing") !=
          std::string::npos);
    CHECK(message(replace(q, "\"vocab_size\": 151936", "\"vocab_size\": \"big\""))
              .find("vocab_size must be an integer") != std::string::npos);
    CHECK(message(replace(q, "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"))
              .find("not a multiple") != std::string::npos);
    CHECK(message(replace(q, "\"silu\"", "\"gelu\"")).find("hidden_act") != std::string::npos);
    CHECK(message(replace(q, "\"use_sliding_window\": false", "\"use_sliding_window\": true"))
              .find("use_sliding_window") != std::string::npos);
    CHECK(message(replace(q, "\"rope_scaling\": null",
                          "\"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4}"))
              .find("yarn") != std::string::npos);
    CHECK(message(replace(q, "\"num_hidden_layers\": 24", "\"num_hidden_layers\": 0"))
              .find("n_layers") != std::string::npos);
}

TEST_CASE("llama3 RoPE parameters are recovered from rope_freqs factors",
          "[backends_local][config]") {
    struct Case {
        float theta;
        std::int64_t head_dim;
        RopeScaling scaling;
    };
    const Case cases[] = {
        {500000.0f, 64, {RopeScaling::Kind::llama3, 32.0f, 1.0f, 4.0f, 8192}},  // Llama-3.2-1B
        {500000.0f, 128, {RopeScaling::Kind::llama3, 8.0f, 1.0f, 4.0f, 8192}},  // Llama-3.1-8B
        {10000.0f, 16, {RopeScaling::Kind::llama3, 8.0f, 1.0f, 16.0f, 1024}},   // tiny_models.py
        {10000.0f, 16, {RopeScaling::Kind::llama3, 4.0f, 1.0f, 4.0f, 512}},     // one blended pair
        {10000.0f, 16, {RopeScaling::Kind::llama3, 4.0f, 2.0f, 3.0f, 300}},     // low != 1
    };
    for (const Case& k : cases) {
        std::vector<float> factors = llama3_rope_factors(k.scaling, k.theta, k.head_dim);
        auto fit = fit_llama3_rope_scaling(factors, k.theta, k.head_dim, std::nullopt);
        INFO("head_dim " << k.head_dim << " factor " << k.scaling.factor);
        REQUIRE(fit);
        CHECK(fit->kind == RopeScaling::Kind::llama3);
        CHECK(fit->factor == k.scaling.factor);
        std::vector<float> again = llama3_rope_factors(*fit, k.theta, k.head_dim);
        for (std::size_t i = 0; i < factors.size(); ++i)
            CHECK(again[i] == Approx(factors[i]).epsilon(1e-5));
        auto hinted =
            fit_llama3_rope_scaling(factors, k.theta, k.head_dim, k.scaling.original_max_position);
        REQUIRE(hinted);
        CHECK(hinted->original_max_position == k.scaling.original_max_position);
    }
    std::vector<float> ones(32, 1.0f);
    auto none = fit_llama3_rope_scaling(ones, 500000.0f, 64, std::nullopt);
    REQUIRE(none);
    CHECK(none->kind == RopeScaling::Kind::none);
    std::vector<float> nonsense = {1.0f, 3.0f, 1.5f, 2.0f, 8.0f, 8.0f, 2.0f, 8.0f};
    CHECK_FALSE(fit_llama3_rope_scaling(nonsense, 10000.0f, 16, std::nullopt));
    CHECK_FALSE(fit_llama3_rope_scaling(ones, 10000.0f, 16, std::nullopt));  // wrong length
}

TEST_CASE("rope_inv_freq equals theta^(-2i/d) divided by llama3_rope_factors",
          "[backends_local][config]") {
    // The engine's one inverse-frequency function (cpu/rope.hpp) and the factors the GGUF fit
    // reproduces describe the same frequencies.
    ModelConfig c;
    c.head_dim = 64;
    c.rope_theta = 500000.0f;
    std::vector<float> plain = rope_inv_freq(c);
    REQUIRE(plain.size() == 32);
    CHECK(plain[0] == 1.0f);
    CHECK(plain[16] == Approx(std::pow(500000.0, -0.5)).epsilon(1e-6));
    c.rope_scaling = {RopeScaling::Kind::llama3, 32.0f, 1.0f, 4.0f, 8192};
    std::vector<float> scaled = rope_inv_freq(c);
    std::vector<float> factors = llama3_rope_factors(c.rope_scaling, c.rope_theta, c.head_dim);
    for (std::size_t i = 0; i < scaled.size(); ++i)
        CHECK(scaled[i] == Approx(plain[i] / factors[i]).epsilon(1e-6));
    CHECK(scaled[0] == plain[0]);                          // wavelength 2π: unscaled
    CHECK(scaled[31] == Approx(plain[31] / 32.0f).epsilon(1e-6));  // longest: divided by factor
}

TEST_CASE("the Q/K un-permute maps GGUF row 2i+s to HF row s*hd/2+i", "[backends_local][config]") {
    const std::size_t n_heads = 2, head_dim = 8, row_len = 3;
    std::vector<float> hf(n_heads * head_dim * row_len);
    std::iota(hf.begin(), hf.end(), 0.0f);  // row r holds 3r, 3r+1, 3r+2
    std::vector<float> gguf = hf;
    permute_gguf_rope_rows(gguf, n_heads, head_dim, row_len);
    for (std::size_t h = 0; h < n_heads; ++h)
        for (std::size_t i = 0; i < head_dim / 2; ++i)
            for (std::size_t s = 0; s < 2; ++s) {
                std::size_t gguf_row = h * head_dim + 2 * i + s;
                std::size_t hf_row = h * head_dim + s * head_dim / 2 + i;
                CHECK(gguf[gguf_row * row_len] == static_cast<float>(hf_row * row_len));
                CHECK(gguf[gguf_row * row_len + 2] == static_cast<float>(hf_row * row_len + 2));
            }
    // Head 0 in GGUF order interleaves the halves: rows 0, 4, 1, 5, 2, 6, 3, 7.
    CHECK(gguf[1 * row_len] == 4.0f * row_len);
    CHECK(gguf[2 * row_len] == 1.0f * row_len);
    unpermute_gguf_rope_rows(gguf, n_heads, head_dim, row_len);
    CHECK(gguf == hf);
}

namespace {

GgufWriter gguf_config_writer(const std::string& arch) {
    GgufWriter w;
    w.set("general.architecture", GgufValue{arch});
    w.set(arch + ".embedding_length", GgufValue{std::uint32_t{64}});
    w.set(arch + ".block_count", GgufValue{std::uint64_t{2}});  // u64 is accepted too
    w.set(arch + ".feed_forward_length", GgufValue{std::uint32_t{128}});
    w.set(arch + ".attention.head_count", GgufValue{std::uint32_t{4}});
    w.set(arch + ".attention.head_count_kv", GgufValue{std::uint32_t{2}});
    w.set(arch + ".context_length", GgufValue{std::uint32_t{4096}});
    w.set(arch + ".attention.layer_norm_rms_epsilon", GgufValue{1e-6f});
    w.set(arch + ".rope.freq_base", GgufValue{1000000.0f});
    std::vector<float> embd(64 * 10, 0.0f);
    REQUIRE(w.add_tensor_f32("token_embd.weight", {64, 10}, GgmlType::f32, embd));
    return w;
}

braid::Result<ModelConfig> config_of(const GgufWriter& w) {
    auto bytes = w.serialize();
    REQUIRE(bytes);
    auto file = GgufFile::parse(*bytes);
    REQUIRE(file);
    return config_from_gguf(*file);
}

}  // namespace

TEST_CASE("GGUF metadata gives the ModelConfig", "[backends_local][config]") {
    GgufWriter w = gguf_config_writer("qwen2");
    auto c = config_of(w);
    REQUIRE(c);
    CHECK(c->family == ModelFamily::qwen2);
    CHECK(c->vocab_size == 10);
    CHECK(c->hidden_size == 64);
    CHECK(c->n_layers == 2);
    CHECK(c->n_heads == 4);
    CHECK(c->n_kv_heads == 2);
    CHECK(c->head_dim == 16);
    CHECK(c->ffn_size == 128);
    CHECK(c->max_position == 4096);
    CHECK(c->rms_eps == 1e-6f);
    CHECK(c->rope_theta == 1000000.0f);
    CHECK(c->tied_embeddings);  // no output.weight
    CHECK_FALSE(c->qkv_bias);   // no blk.0.attn_q.bias
    CHECK(c->rope_scaling.kind == RopeScaling::Kind::none);

    w.set("qwen2.attention.key_length", GgufValue{std::uint32_t{32}});
    w.set("qwen2.attention.value_length", GgufValue{std::uint32_t{32}});
    w.set("qwen2.rope.dimension_count", GgufValue{std::uint32_t{32}});
    auto wide = config_of(w);
    REQUIRE(wide);
    CHECK(wide->head_dim == 32);
}

TEST_CASE("bad GGUF metadata is refused with the key named", "[backends_local][config]") {
    auto message = [](const GgufWriter& w) {
        auto c = config_of(w);
        REQUIRE_FALSE(c);
        CHECK(c.error().code == braid::ErrorCode::invalid_input);
        return c.error().message;
    };
    {
        GgufWriter w = gguf_config_writer("gemma");
        CHECK(message(w).find("'gemma' is not supported") != std::string::npos);
    }
    {
        GgufWriter w = gguf_config_writer("llama");
        w.set("llama.block_count", GgufValue{std::string("two")});
        CHECK(message(w).find("llama.block_count must be an integer") != std::string::npos);
    }
    {
        GgufWriter w = gguf_config_writer("llama");
        w.set("llama.attention.layer_norm_rms_epsilon", GgufValue{std::uint32_t{1}});
        CHECK(message(w).find("layer_norm_rms_epsilon must be a float") != std::string::npos);
    }
    {
        GgufWriter w = gguf_config_writer("llama");
        w.set("llama.rope.dimension_count", GgufValue{std::uint32_t{8}});
        CHECK(message(w).find("partial RoPE") != std::string::npos);
    }
    {
        GgufWriter w = gguf_config_writer("llama");
        w.set("llama.vocab_size", GgufValue{std::uint32_t{11}});
        CHECK(message(w).find("differs from token_embd.weight") != std::string::npos);
    }
    {
        GgufWriter w = gguf_config_writer("llama");
        w.set("llama.rope.scaling.type", GgufValue{std::string("yarn")});
        CHECK(message(w).find("'yarn' is not supported") != std::string::npos);
    }
    {
        GgufWriter w = gguf_config_writer("llama");
        w.set("llama.attention.head_count_kv", GgufValue{std::uint32_t{3}});
        CHECK(message(w).find("not a multiple") != std::string::npos);
    }
    {
        GgufWriter w;
        w.set("general.architecture", GgufValue{std::string("llama")});
        CHECK(message(w).find("llama.embedding_length is missing") != std::string::npos);
    }
}
