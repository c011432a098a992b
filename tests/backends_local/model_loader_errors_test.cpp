// load_gguf_model refuses files whose tensors contradict their metadata, naming the tensor;
// tokenizer metadata maps to TokenizerSpec.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "backends/local/gguf/gguf_writer.hpp"
#include "backends/local/model/gguf_tokenizer_spec.hpp"
#include "backends/local/model/model_loader.hpp"

using namespace braid::backends::local;

namespace {

constexpr std::uint64_t k_hidden = 32, k_ffn = 64, k_vocab = 8, k_head_dim = 16;

// A complete one-layer llama GGUF (2 heads, 1 KV head), minus the tensors in `skip`.
GgufWriter model_writer(const std::vector<std::string>& skip = {}) {
    GgufWriter w;
    w.set("general.architecture", GgufValue{std::string("llama")});
    w.set("llama.embedding_length", GgufValue{std::uint32_t{k_hidden}});
    w.set("llama.block_count", GgufValue{std::uint32_t{1}});
    w.set("llama.feed_forward_length", GgufValue{std::uint32_t{k_ffn}});
    w.set("llama.attention.head_count", GgufValue{std::uint32_t{2}});
    w.set("llama.attention.head_count_kv", GgufValue{std::uint32_t{1}});
    w.set("llama.context_length", GgufValue{std::uint32_t{128}});
    w.set("llama.attention.layer_norm_rms_epsilon", GgufValue{1e-5f});
    auto add = [&](const std::string& name, std::vector<std::uint64_t> dims) {
        for (const auto& s : skip)
            if (s == name) return;
        std::uint64_t n = 1;
        for (auto d : dims) n *= d;
        std::vector<float> values(n, 0.5f);
        REQUIRE(w.add_tensor_f32(name, dims, GgmlType::f32, values));
    };
    add("token_embd.weight", {k_hidden, k_vocab});
    add("blk.0.attn_norm.weight", {k_hidden});
    add("blk.0.attn_q.weight", {k_hidden, 2 * k_head_dim});
    add("blk.0.attn_k.weight", {k_hidden, k_head_dim});
    add("blk.0.attn_v.weight", {k_hidden, k_head_dim});
    add("blk.0.attn_output.weight", {2 * k_head_dim, k_hidden});
    add("blk.0.ffn_norm.weight", {k_hidden});
    add("blk.0.ffn_gate.weight", {k_hidden, k_ffn});
    add("blk.0.ffn_up.weight", {k_hidden, k_ffn});
    add("blk.0.ffn_down.weight", {k_ffn, k_hidden});
    add("output_norm.weight", {k_hidden});
    return w;
}

braid::Result<LoadedModel> load(const GgufWriter& w) {
    auto bytes = w.serialize();
    REQUIRE(bytes);
    auto file = GgufFile::parse(*bytes);
    REQUIRE(file);
    return load_gguf_model(*file);
}

std::string error_of(const GgufWriter& w) {
    auto model = load(w);
    REQUIRE_FALSE(model);
    return model.error().message;
}

braid::Result<std::optional<TokenizerSpec>> spec_of(const GgufWriter& w) {
    auto bytes = w.serialize();
    REQUIRE(bytes);
    auto file = GgufFile::parse(*bytes);
    REQUIRE(file);
    return tokenizer_from_gguf(*file);
}

GgufValue strings(const std::vector<std::string>& items) {
    GgufArray a{GgufValueType::string, {}};
    for (const auto& s : items) a.items.push_back(GgufValue{s});
    return GgufValue{std::move(a)};
}

}  // namespace

TEST_CASE("a complete hand-written GGUF model loads, tied, without a tokenizer",
          "[backends_local][loader]") {
    auto model = load(model_writer());
    REQUIRE(model);
    CHECK(model->weights.config.tied_embeddings);
    CHECK(model->weights.lm_head.rows == k_vocab);
    CHECK(model->weights.layers[0].wq.rows == 2 * k_head_dim);
    CHECK(model->weights.layers[0].w_down.cols == k_ffn);
    CHECK_FALSE(model->tokenizer);
}

TEST_CASE("GGUF tensors that contradict the config are refused by name",
          "[backends_local][loader]") {
    CHECK(error_of(model_writer({"blk.0.ffn_up.weight"})).find("'blk.0.ffn_up.weight': missing") !=
          std::string::npos);
    {
        GgufWriter w = model_writer({"blk.0.attn_k.weight"});
        std::vector<float> v(k_hidden * 2 * k_head_dim, 0.0f);
        REQUIRE(
            w.add_tensor_f32("blk.0.attn_k.weight", {k_hidden, 2 * k_head_dim}, GgmlType::f32, v));
        std::string msg = error_of(w);
        CHECK(msg.find("'blk.0.attn_k.weight'") != std::string::npos);
        CHECK(msg.find("dims [32, 32], the config implies [32, 16]") != std::string::npos);
    }
    {
        GgufWriter w = model_writer();
        std::vector<float> v(k_hidden, 0.0f);
        REQUIRE(w.add_tensor_f32("blk.1.attn_norm.weight", {k_hidden}, GgmlType::f32, v));
        CHECK(error_of(w).find(
                  "unexpected tensor(s) the config does not explain: 'blk.1.attn_norm.weight'") !=
              std::string::npos);
    }
    {
        GgufWriter w = model_writer({"blk.0.attn_norm.weight"});
        REQUIRE(w.add_tensor("blk.0.attn_norm.weight", {k_hidden}, GgmlType::i32,
                             std::vector<std::uint8_t>(k_hidden * 4)));
        CHECK(error_of(w).find("type I32 is not supported") != std::string::npos);
    }
    {
        GgufWriter w = model_writer();
        std::vector<float> v(k_head_dim / 2, 2.0f);  // no pair unscaled or blended: not llama3-like
        v[0] = 1.0f;
        v[1] = 3.0f;
        REQUIRE(w.add_tensor_f32("rope_freqs.weight", {k_head_dim / 2}, GgmlType::f32, v));
        CHECK(error_of(w).find("rope_freqs.weight") != std::string::npos);
    }
}

TEST_CASE("GGUF tokenizer metadata maps to TokenizerSpec", "[backends_local][tokenizer_spec]") {
    SECTION("no tokenizer.ggml.model means no spec") {
        auto spec = spec_of(GgufWriter{});
        REQUIRE(spec);
        CHECK_FALSE(*spec);
    }
    SECTION("a SentencePiece vocabulary with scores and defaults") {
        GgufWriter w;
        w.set("tokenizer.ggml.model", GgufValue{std::string("llama")});
        w.set("tokenizer.ggml.tokens", strings({"<unk>", "<s>", "</s>", "▁a"}));
        w.set("tokenizer.ggml.scores", GgufValue{GgufArray{GgufValueType::float32,
                                                           {GgufValue{0.0f}, GgufValue{0.0f},
                                                            GgufValue{0.0f}, GgufValue{-1.5f}}}});
        w.set("tokenizer.ggml.unknown_token_id", GgufValue{std::uint32_t{0}});
        w.set("tokenizer.ggml.bos_token_id", GgufValue{std::uint32_t{1}});
        w.set("tokenizer.ggml.seperator_token_id", GgufValue{std::uint32_t{2}});  // sic; ignored
        auto spec = spec_of(w);
        REQUIRE(spec);
        REQUIRE(*spec);
        const TokenizerSpec& s = **spec;
        CHECK(s.kind == TokenizerKind::sentencepiece);
        CHECK(s.scores == std::vector<float>{0.0f, 0.0f, 0.0f, -1.5f});
        CHECK(s.types == std::vector<TokenType>(4, TokenType::normal));
        CHECK(s.unknown_id == 0);
        CHECK(s.bos_id == 1);
        CHECK_FALSE(s.eos_id);
        CHECK(s.add_bos);
        CHECK(s.add_space_prefix);
        CHECK_FALSE(s.add_eos);
    }
    SECTION("pre-tokenizer names") {
        for (auto [pre, want] :
             {std::pair{"llama-bpe", PreTokenizer::llama3},
              std::pair{"llama3", PreTokenizer::llama3}, std::pair{"qwen2", PreTokenizer::qwen2},
              std::pair{"default", PreTokenizer::llama3}}) {
            GgufWriter w;
            w.set("tokenizer.ggml.model", GgufValue{std::string("gpt2")});
            w.set("tokenizer.ggml.pre", GgufValue{std::string(pre)});
            w.set("tokenizer.ggml.tokens", strings({"a"}));
            w.set("tokenizer.ggml.add_space_prefix", GgufValue{true});
            auto spec = spec_of(w);
            REQUIRE(spec);
            CHECK((*spec)->pre == want);
            CHECK((*spec)->add_bos == (want == PreTokenizer::llama3));
            CHECK((*spec)->add_space_prefix);  // the key overrides the BPE default
        }
    }
    SECTION("bad tokenizer metadata") {
        auto message = [](GgufWriter w) {
            auto spec = spec_of(w);
            REQUIRE_FALSE(spec);
            return spec.error().message;
        };
        GgufWriter base;
        base.set("tokenizer.ggml.model", GgufValue{std::string("gpt2")});
        base.set("tokenizer.ggml.tokens", strings({"a", "b"}));
        GgufWriter w = base;
        w.set("tokenizer.ggml.model", GgufValue{std::string("bert")});
        CHECK(message(w).find("'bert' is not supported") != std::string::npos);
        w = base;
        w.set("tokenizer.ggml.eos_token_id", GgufValue{std::uint32_t{2}});
        CHECK(message(w).find("outside the vocabulary") != std::string::npos);
        w = base;
        w.set("tokenizer.ggml.token_type",
              GgufValue{GgufArray{GgufValueType::int32,
                                  {GgufValue{std::int32_t{1}}, GgufValue{std::int32_t{9}}}}});
        CHECK(message(w).find("not in 1..6") != std::string::npos);
        w = base;
        w.set("tokenizer.ggml.scores",
              GgufValue{GgufArray{GgufValueType::float32, {GgufValue{1.0f}}}});
        CHECK(message(w).find("length differs") != std::string::npos);
        w = base;
        w.set("tokenizer.ggml.merges", GgufValue{GgufArray{GgufValueType::int32, {}}});
        CHECK(message(w).find("array of string") != std::string::npos);
        w = base;
        w.set("tokenizer.ggml.add_bos_token", GgufValue{std::uint8_t{1}});
        CHECK(message(w).find("must be a bool") != std::string::npos);
        w = base;
        w.set("tokenizer.ggml.tokens", strings({}));
        CHECK(message(w).find("missing or empty") != std::string::npos);
    }
}
