#include "backends/local/model/weight_assembly.hpp"

#include <vector>

#include "backends/local/gguf/dtype_convert.hpp"

namespace braid::backends::local {

namespace {

struct RoleNames {
    WeightRole role;
    const char* gguf;  // after "blk.N." for block tensors
    const char* hf;    // after "model.layers.N." for block tensors
};

constexpr RoleNames k_names[] = {
    {WeightRole::token_embedding, "token_embd.weight", "model.embed_tokens.weight"},
    {WeightRole::attn_norm, "attn_norm.weight", "input_layernorm.weight"},
    {WeightRole::wq, "attn_q.weight", "self_attn.q_proj.weight"},
    {WeightRole::wk, "attn_k.weight", "self_attn.k_proj.weight"},
    {WeightRole::wv, "attn_v.weight", "self_attn.v_proj.weight"},
    {WeightRole::bq, "attn_q.bias", "self_attn.q_proj.bias"},
    {WeightRole::bk, "attn_k.bias", "self_attn.k_proj.bias"},
    {WeightRole::bv, "attn_v.bias", "self_attn.v_proj.bias"},
    {WeightRole::wo, "attn_output.weight", "self_attn.o_proj.weight"},
    {WeightRole::ffn_norm, "ffn_norm.weight", "post_attention_layernorm.weight"},
    {WeightRole::w_gate, "ffn_gate.weight", "mlp.gate_proj.weight"},
    {WeightRole::w_up, "ffn_up.weight", "mlp.up_proj.weight"},
    {WeightRole::w_down, "ffn_down.weight", "mlp.down_proj.weight"},
    {WeightRole::output_norm, "output_norm.weight", "model.norm.weight"},
    {WeightRole::lm_head, "output.weight", "lm_head.weight"},
};

const RoleNames& names_of(WeightRole role) {
    for (const auto& n : k_names)
        if (n.role == role) return n;
    return k_names[0];  // unreachable: every role has a row
}

}  // namespace

std::string gguf_weight_name(WeightRole role, int layer) {
    const RoleNames& n = names_of(role);
    return layer < 0 ? n.gguf : "blk." + std::to_string(layer) + "." + n.gguf;
}

std::string hf_weight_name(WeightRole role, int layer) {
    const RoleNames& n = names_of(role);
    return layer < 0 ? n.hf : "model.layers." + std::to_string(layer) + "." + n.hf;
}

Result<ModelWeights> assemble_weights(const ModelConfig& c, const WeightFetch& fetch) {
    ModelWeights w;
    w.config = c;
    const auto hidden = static_cast<std::size_t>(c.hidden_size);
    const auto vocab = static_cast<std::size_t>(c.vocab_size);
    const auto q_dim = static_cast<std::size_t>(c.n_heads * c.head_dim);
    const auto kv_dim = static_cast<std::size_t>(c.n_kv_heads * c.head_dim);
    const auto ffn = static_cast<std::size_t>(c.ffn_size);
    std::uint64_t bytes = 0;

    auto get = [&](Tensor& dst, WeightRole role, int layer, std::size_t rows, std::size_t cols,
                   bool required = true) -> Result<void> {
        auto t = fetch(WeightRequest{role, layer, rows, cols, required});
        if (!t) return std::move(t).error();
        dst = std::move(*t);
        bytes += dst.size() * sizeof(float);
        return {};
    };

    if (auto r = get(w.token_embedding, WeightRole::token_embedding, -1, vocab, hidden); !r)
        return std::move(r).error();
    bytes -= w.token_embedding.size() * sizeof(float);  // counted below: one row, or as lm_head
    w.layers.resize(static_cast<std::size_t>(c.n_layers));
    for (int l = 0; l < static_cast<int>(c.n_layers); ++l) {
        LayerWeights& lw = w.layers[static_cast<std::size_t>(l)];
        struct Item {
            Tensor* dst;
            WeightRole role;
            std::size_t rows, cols;
        };
        std::vector<Item> items = {
            {&lw.attn_norm, WeightRole::attn_norm, 1, hidden},
            {&lw.wq, WeightRole::wq, q_dim, hidden},
            {&lw.wk, WeightRole::wk, kv_dim, hidden},
            {&lw.wv, WeightRole::wv, kv_dim, hidden},
            {&lw.wo, WeightRole::wo, hidden, q_dim},
            {&lw.ffn_norm, WeightRole::ffn_norm, 1, hidden},
            {&lw.w_gate, WeightRole::w_gate, ffn, hidden},
            {&lw.w_up, WeightRole::w_up, ffn, hidden},
            {&lw.w_down, WeightRole::w_down, hidden, ffn},
        };
        if (c.qkv_bias) {
            items.push_back({&lw.bq, WeightRole::bq, 1, q_dim});
            items.push_back({&lw.bk, WeightRole::bk, 1, kv_dim});
            items.push_back({&lw.bv, WeightRole::bv, 1, kv_dim});
        }
        for (const Item& item : items)
            if (auto r = get(*item.dst, item.role, l, item.rows, item.cols); !r)
                return std::move(r).error();
    }
    if (auto r = get(w.output_norm, WeightRole::output_norm, -1, 1, hidden); !r)
        return std::move(r).error();
    if (c.tied_embeddings) {
        w.lm_head = w.token_embedding;
        bytes += w.lm_head.size() * sizeof(float);
    } else {
        if (auto r = get(w.lm_head, WeightRole::lm_head, -1, vocab, hidden); !r)
            return std::move(r).error();
        bytes += hidden * sizeof(float);
    }
    w.weight_bytes = bytes;
    return w;
}

Result<Tensor> decode_tensor(GgmlType type, std::span<const std::uint8_t> bytes, std::size_t rows,
                             std::size_t cols, const std::function<void(std::span<float>)>& fixup) {
    auto buffer = std::make_shared<std::vector<float>>(rows * cols);
    if (auto r = convert_to_f32(type, bytes, *buffer); !r) return std::move(r).error();
    if (fixup) fixup(*buffer);
    Tensor t;
    t.data = buffer->data();
    t.rows = rows;
    t.cols = cols;
    t.owner = std::move(buffer);
    return t;
}

Result<Tensor> alias_or_decode_f32(std::span<const std::uint8_t> bytes, std::size_t rows,
                                   std::size_t cols, const std::shared_ptr<const void>& owner) {
    bool aligned = reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(float) == 0;
    if (!aligned || owner == nullptr || bytes.size() != rows * cols * sizeof(float))
        return decode_tensor(GgmlType::f32, bytes, rows, cols, {});
    Tensor t;
    t.data = reinterpret_cast<const float*>(bytes.data());
    t.rows = rows;
    t.cols = cols;
    t.owner = owner;
    return t;
}

}  // namespace braid::backends::local
