// load_model on the tiny models of tiny_models.py: GGUF (F32/F16/BF16/Q8_0/Q4_0, llama Q/K
// permuted) and safetensors + config.json of the same weights give bit-identical canonical
// tensors and matching configs; the numpy oracle agrees with itself across formats.

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "backends/local/model/model_loader.hpp"
#include "backends/local/model/rope_scaling.hpp"
#include "tests/backends_local/tiny_model_files.hpp"

using namespace braid::backends::local;
namespace fs = std::filesystem;

namespace {

nlohmann::json manifest() {
    std::ifstream in(braid::test::tiny_model_dir() / "manifest.json");
    return nlohmann::json::parse(in);
}

bool same_bits(const Tensor& a, const Tensor& b) {
    if (a.rows != b.rows || a.cols != b.cols || a.empty() != b.empty()) return false;
    return a.empty() || std::memcmp(a.data, b.data, a.size() * sizeof(float)) == 0;
}

void check_same_weights(const ModelWeights& a, const ModelWeights& b) {
    CHECK(same_bits(a.token_embedding, b.token_embedding));
    CHECK(same_bits(a.output_norm, b.output_norm));
    CHECK(same_bits(a.lm_head, b.lm_head));
    REQUIRE(a.layers.size() == b.layers.size());
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
        INFO("layer " << l);
        const LayerWeights& x = a.layers[l];
        const LayerWeights& y = b.layers[l];
        CHECK(same_bits(x.attn_norm, y.attn_norm));
        CHECK(same_bits(x.wq, y.wq));
        CHECK(same_bits(x.wk, y.wk));
        CHECK(same_bits(x.wv, y.wv));
        CHECK(same_bits(x.bq, y.bq));
        CHECK(same_bits(x.bk, y.bk));
        CHECK(same_bits(x.bv, y.bv));
        CHECK(same_bits(x.wo, y.wo));
        CHECK(same_bits(x.ffn_norm, y.ffn_norm));
        CHECK(same_bits(x.w_gate, y.w_gate));
        CHECK(same_bits(x.w_up, y.w_up));
        CHECK(same_bits(x.w_down, y.w_down));
    }
}

void check_same_config(const ModelConfig& a, const ModelConfig& b) {
    CHECK(a.family == b.family);
    CHECK(a.vocab_size == b.vocab_size);
    CHECK(a.hidden_size == b.hidden_size);
    CHECK(a.n_layers == b.n_layers);
    CHECK(a.n_heads == b.n_heads);
    CHECK(a.n_kv_heads == b.n_kv_heads);
    CHECK(a.head_dim == b.head_dim);
    CHECK(a.ffn_size == b.ffn_size);
    CHECK(a.max_position == b.max_position);
    CHECK(a.rms_eps == b.rms_eps);
    CHECK(a.rope_theta == b.rope_theta);
    CHECK(a.tied_embeddings == b.tied_embeddings);
    CHECK(a.qkv_bias == b.qkv_bias);
    CHECK(a.rope_scaling.kind == b.rope_scaling.kind);
    // GGUF stores llama3 scaling as per-pair factors; parameters may differ, factors may not.
    std::vector<float> fa = llama3_rope_factors(a.rope_scaling, a.rope_theta, a.head_dim);
    std::vector<float> fb = llama3_rope_factors(b.rope_scaling, b.rope_theta, b.head_dim);
    REQUIRE(fa.size() == fb.size());
    for (std::size_t i = 0; i < fa.size(); ++i) CHECK(fa[i] == Approx(fb[i]).epsilon(1e-5));
}

std::uint64_t expected_weight_bytes(const ModelConfig& c) {
    auto h = static_cast<std::uint64_t>(c.hidden_size);
    auto q = static_cast<std::uint64_t>(c.n_heads * c.head_dim);
    auto kv = static_cast<std::uint64_t>(c.n_kv_heads * c.head_dim);
    auto f = static_cast<std::uint64_t>(c.ffn_size);
    std::uint64_t layer =
        2 * h + q * h + 2 * kv * h + h * q + 3 * f * h + (c.qkv_bias ? q + 2 * kv : 0);
    std::uint64_t head = static_cast<std::uint64_t>(c.vocab_size) * h;
    return 4 * (static_cast<std::uint64_t>(c.n_layers) * layer + h + head +
                (c.tied_embeddings ? 0 : h));
}

}  // namespace

TEST_CASE("GGUF and safetensors of every tiny model load to bit-identical weights",
          "[backends_local][loader]") {
    const fs::path dir = braid::test::tiny_model_dir();
    auto models = manifest();
    REQUIRE(models.size() == 9);
    for (const auto& m : models) {
        const std::string name = m["name"];
        INFO("model " << name);
        auto gguf = load_model(dir / m["gguf"].get<std::string>());
        REQUIRE(gguf);
        auto st = load_model(dir / m["safetensors_dir"].get<std::string>());
        REQUIRE(st);
        CHECK(gguf->format == "gguf");
        CHECK(st->format == "safetensors");
        const ModelConfig& c = gguf->weights.config;
        check_same_config(c, st->weights.config);
        check_same_weights(gguf->weights, st->weights);

        CHECK(c.family == (m["family"] == "llama" ? ModelFamily::llama : ModelFamily::qwen2));
        CHECK(c.tied_embeddings == m["tied"].get<bool>());
        CHECK(c.qkv_bias == (m["family"] == "qwen2"));
        CHECK((c.rope_scaling.kind == RopeScaling::Kind::llama3) ==
              m["llama3_scaling"].get<bool>());
        CHECK(c.vocab_size == 272);
        CHECK(c.hidden_size == 64);
        CHECK(c.n_layers == 2);
        CHECK(c.n_heads == 4);
        CHECK(c.n_kv_heads == 2);
        CHECK(c.head_dim == 16);
        CHECK(c.ffn_size == 128);
        CHECK(c.max_position == 2048);
        CHECK(c.rms_eps == 1e-5f);
        CHECK(c.rope_theta == 10000.0f);
        CHECK(gguf->weights.weight_bytes == expected_weight_bytes(c));
        CHECK(st->weights.weight_bytes == gguf->weights.weight_bytes);
        if (c.tied_embeddings)
            CHECK(gguf->weights.lm_head.data == gguf->weights.token_embedding.data);
        if (c.qkv_bias)
            CHECK_FALSE(gguf->weights.layers[1].bv.empty());
        else
            CHECK(gguf->weights.layers[1].bq.empty());

        // F32 tensors that need no change alias the mapping; permuted Q/K are owned copies.
        if (m["gguf_type"] == "F32") {
            const ModelWeights& w = gguf->weights;
            CHECK(w.layers[0].wv.owner == w.token_embedding.owner);
            CHECK((w.layers[0].wq.owner == w.token_embedding.owner) ==
                  (c.family == ModelFamily::qwen2));
        }
        if (m["llama3_scaling"].get<bool>()) {
            CHECK(c.rope_scaling.factor == 8.0f);
            CHECK(st->weights.config.rope_scaling.high_freq_factor == 16.0f);
            CHECK(st->weights.config.rope_scaling.original_max_position == 1024);
        }

        REQUIRE(gguf->tokenizer);
        CHECK_FALSE(st->tokenizer);
        const TokenizerSpec& t = *gguf->tokenizer;
        CHECK(t.kind == TokenizerKind::byte_level_bpe);
        CHECK(t.pre ==
              (c.family == ModelFamily::llama ? PreTokenizer::llama3 : PreTokenizer::qwen2));
        REQUIRE(t.tokens.size() == 272);
        CHECK(t.tokens[65] == "A");
        CHECK(t.tokens[32] == "Ġ");  // space in GPT-2's byte-to-unicode form
        CHECK(t.tokens[10] == "Ċ");  // newline
        CHECK(t.tokens[256] == "Ġt");
        REQUIRE(t.merges.size() == 13);
        CHECK(t.merges[5] == "Ġt he");
        CHECK(t.scores.empty());
        REQUIRE(t.types.size() == 272);
        CHECK(t.types[0] == TokenType::normal);
        CHECK(t.types[271] == TokenType::control);
        CHECK(t.bos_id == m["bos"].get<int>());
        CHECK(t.eos_id == m["eos"].get<int>());
        CHECK(t.add_bos == (c.family == ModelFamily::llama));
        CHECK_FALSE(t.add_space_prefix);
        if (c.family == ModelFamily::llama) {
            CHECK(t.tokens[269] == "<|begin_of_text|>");
            CHECK(t.eot_id == 271);
            CHECK(t.chat_template.find("<|start_header_id|>") != std::string::npos);
        } else {
            CHECK(t.tokens[270] == "<|im_start|>");
            CHECK(t.padding_id == 269);
            CHECK(t.chat_template.find("<|im_start|>") != std::string::npos);
        }
    }
}

TEST_CASE("a loaded model outlives the files it was mapped from", "[backends_local][loader]") {
    braid::test::TempDir dir;
    fs::copy_file(braid::test::tiny_model_dir() / "qwen2.gguf", dir.path() / "m.gguf");
    auto model = load_model(dir.path() / "m.gguf");
    REQUIRE(model);
    fs::remove(dir.path() / "m.gguf");  // the mapping stays valid
    const Tensor& wq = model->weights.layers[1].wq;
    float sum = 0.0f;
    for (std::size_t i = 0; i < wq.size(); ++i) sum += wq.data[i];
    CHECK(std::isfinite(sum));
}

TEST_CASE("load_model accepts a .gguf, a .safetensors file or a folder",
          "[backends_local][loader]") {
    const fs::path tiny = braid::test::tiny_model_dir();
    auto by_file = load_model(tiny / "llama" / "model.safetensors");
    REQUIRE(by_file);
    CHECK(by_file->format == "safetensors");

    braid::test::TempDir dir;
    fs::copy_file(tiny / "llama.gguf", dir.path() / "weights.gguf");
    auto by_folder = load_model(dir.path());
    REQUIRE(by_folder);
    CHECK(by_folder->format == "gguf");

    // A sharded checkpoint: model.safetensors.index.json naming the shard.
    braid::test::TempDir sharded;
    fs::copy_file(tiny / "qwen2" / "config.json", sharded.path() / "config.json");
    fs::copy_file(tiny / "qwen2" / "model.safetensors",
                  sharded.path() / "model-00001-of-00001.safetensors");
    braid::test::write_file_bytes(
        sharded / "model.safetensors.index.json",
        R"({"metadata": {}, "weight_map": {"model.norm.weight": "model-00001-of-00001.safetensors"}})");
    auto by_index = load_model(sharded.path());
    REQUIRE(by_index);
    CHECK(by_index->weights.layers.size() == 2);

    auto missing = load_model(dir.path() / "nothing.gguf");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == braid::ErrorCode::not_found);
    braid::test::TempDir empty;
    auto none = load_model(empty.path());
    REQUIRE_FALSE(none);
    CHECK(none.error().code == braid::ErrorCode::not_found);
    fs::copy_file(tiny / "llama" / "model.safetensors", empty.path() / "model.safetensors");
    auto no_config = load_model(empty.path() / "model.safetensors");
    REQUIRE_FALSE(no_config);
    CHECK(no_config.error().code == braid::ErrorCode::not_found);
    CHECK(no_config.error().message.find("config.json") != std::string::npos);
}

TEST_CASE("reference_forward.py gives the same logits from GGUF and safetensors",
          "[backends_local][loader]") {
    std::string command = std::string("/usr/bin/python3 ") + BRAID_SOURCE_DIR +
                          "/tests/backends_local/reference_forward.py --self-check " +
                          braid::test::tiny_model_dir().string() + " > /dev/null";
    CHECK(std::system(command.c_str()) == 0);
}
