#include "backends/local/model/config_validation.hpp"

#include <string>

namespace braid::backends::local {

namespace {

// Far beyond any real model, small enough that products of two sizes cannot overflow int64.
constexpr std::int64_t k_max_size = std::int64_t{1} << 28;
constexpr std::int64_t k_max_count = std::int64_t{1} << 14;

}  // namespace

Result<void> validate_model_config(const ModelConfig& c) {
    auto fail = [](const std::string& why) {
        return make_error(ErrorCode::invalid_input, "model config: " + why);
    };
    const std::pair<const char*, std::int64_t> sizes[] = {
        {"vocab_size", c.vocab_size}, {"hidden_size", c.hidden_size},   {"n_layers", c.n_layers},
        {"n_heads", c.n_heads},       {"n_kv_heads", c.n_kv_heads},     {"head_dim", c.head_dim},
        {"ffn_size", c.ffn_size},     {"max_position", c.max_position},
    };
    for (const auto& [name, value] : sizes) {
        if (value <= 0)
            return fail(std::string(name) + " = " + std::to_string(value) + " must be positive");
        if (value > k_max_size)
            return fail(std::string(name) + " = " + std::to_string(value) + " exceeds " +
                        std::to_string(k_max_size));
    }
    if (c.n_layers > k_max_count || c.n_heads > k_max_count || c.head_dim > k_max_count)
        return fail("n_layers, n_heads and head_dim must be at most " +
                    std::to_string(k_max_count));
    if (c.n_heads % c.n_kv_heads != 0)
        return fail("n_heads " + std::to_string(c.n_heads) + " is not a multiple of n_kv_heads " +
                    std::to_string(c.n_kv_heads));
    if (c.head_dim % 2 != 0) return fail("head_dim " + std::to_string(c.head_dim) + " is odd");
    if (!(c.rms_eps > 0.0f)) return fail("rms_eps must be positive");
    if (!(c.rope_theta > 0.0f)) return fail("rope_theta must be positive");
    if (c.rope_scaling.kind == RopeScaling::Kind::llama3) {
        const RopeScaling& s = c.rope_scaling;
        if (!(s.factor >= 1.0f)) return fail("rope_scaling.factor must be >= 1");
        if (!(s.low_freq_factor > 0.0f) || !(s.high_freq_factor > s.low_freq_factor))
            return fail("rope_scaling needs 0 < low_freq_factor < high_freq_factor");
        if (s.original_max_position <= 0)
            return fail("rope_scaling.original_max_position_embeddings must be positive");
    }
    return {};
}

}  // namespace braid::backends::local
