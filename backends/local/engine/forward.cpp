#include "backends/local/engine/forward.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "backends/local/cpu/attention.hpp"
#include "backends/local/cpu/elementwise.hpp"
#include "backends/local/cpu/matmul.hpp"
#include "backends/local/cpu/rope.hpp"

namespace braid::backends::local {

namespace {

// The rows of one sequence in this step: rows [first, first + count).
struct Group {
    KvSequence* sequence = nullptr;
    std::size_t first = 0;
    std::size_t count = 0;
    std::size_t span_first = 0;  // its context in Impl::spans_
    std::size_t span_count = 0;
};

// Grows `v` to at least `n` elements; never shrinks, so warm steps do not allocate.
void ensure(std::vector<float>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
}

void add_bias(float* y, const Tensor& bias, std::size_t rows) {
    if (bias.empty()) return;
    const std::size_t n = bias.size();
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t i = 0; i < n; ++i) y[r * n + i] += bias.data[i];
}

void add_into(float* x, const float* delta, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) x[i] += delta[i];
}

bool same_shape(const KvLayout& a, const KvLayout& b) {
    return a.n_layers == b.n_layers && a.n_kv_heads == b.n_kv_heads && a.head_dim == b.head_dim;
}

}  // namespace

struct Forward::Impl {
    const ModelWeights& weights;
    ThreadPool* threads;
    std::vector<float> inv_freq;
    std::size_t hidden, n_heads, n_kv_heads, head_dim, ffn, vocab;

    // Per-step bookkeeping and activations, reused across steps.
    std::vector<Group> groups;
    std::vector<KvSlot> slots;                          // one per row
    std::vector<SegmentSpan> spans;                     // every group's context, flattened
    std::vector<AttentionRow> attention_rows;
    std::vector<std::pair<BlockPool*, std::size_t>> blocks_needed;  // per pool
    std::vector<std::int32_t> scratch_ids;
    std::vector<float> x, h, q, k, v, attn, o, gate, up, selected;

    Impl(const ModelWeights& w, ThreadPool* pool)
        : weights(w),
          threads(pool),
          inv_freq(rope_inv_freq(w.config)),
          hidden(static_cast<std::size_t>(w.config.hidden_size)),
          n_heads(static_cast<std::size_t>(w.config.n_heads)),
          n_kv_heads(static_cast<std::size_t>(w.config.n_kv_heads)),
          head_dim(static_cast<std::size_t>(w.config.head_dim)),
          ffn(static_cast<std::size_t>(w.config.ffn_size)),
          vocab(static_cast<std::size_t>(w.config.vocab_size)) {
        BRAID_ASSERT(w.layers.size() == static_cast<std::size_t>(w.config.n_layers),
                     "Forward: layer count differs from the config");
        BRAID_ASSERT(!w.token_embedding.empty() && !w.lm_head.empty() && !w.output_norm.empty(),
                     "Forward: missing embedding, output norm or lm_head");
    }

    Result<void> plan(std::span<const ForwardRow> rows);
    void append_all(std::span<const ForwardRow> rows);
    void run_layer(std::size_t layer, std::size_t n);
    void attend(std::size_t layer);
    void output(std::span<const ForwardRow> rows, std::vector<float>& logits);
};

// Validates the rows, groups them by sequence and checks that every pool has the blocks the
// appends will take. Changes nothing but the scratch bookkeeping.
Result<void> Forward::Impl::plan(std::span<const ForwardRow> rows) {
    groups.clear();
    blocks_needed.clear();
    const KvLayout layout = KvLayout::from_config(weights.config);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const ForwardRow& row = rows[r];
        if (row.sequence == nullptr)
            return make_error(ErrorCode::invalid_input, "forward: row without a sequence");
        if (row.token < 0 || static_cast<std::size_t>(row.token) >= vocab)
            return make_error(ErrorCode::invalid_input,
                              "forward: token " + std::to_string(row.token) +
                                  " outside the vocabulary of " + std::to_string(vocab));
        if (!groups.empty() && groups.back().sequence == row.sequence) {
            ++groups.back().count;
            continue;
        }
        for (const Group& g : groups)
            if (g.sequence == row.sequence)
                return make_error(ErrorCode::invalid_input,
                                  "forward: rows of one sequence must be consecutive");
        if (!same_shape(row.sequence->pool().layout(), layout))
            return make_error(ErrorCode::invalid_input,
                              "forward: a sequence's BlockPool has another model's KV layout");
        groups.push_back(Group{row.sequence, r, 1, 0, 0});
    }
    // Capacity, per pool. Each group's need is what KvSequence::append would check on its own;
    // the sum is an upper bound when forks of one segment append in the same step (the first
    // clone's copy-on-write leaves the others unshared), so a step may be refused that would have
    // just fit, never accepted and then fail midway.
    for (const Group& g : groups) {
        const std::shared_ptr<Segment>& last = g.sequence->segments().back();
        const std::size_t need = last->blocks_needed(g.count, last.use_count() > 1);
        BlockPool* pool = &g.sequence->pool();
        bool found = false;
        for (auto& [p, n] : blocks_needed)
            if (p == pool) {
                n += need;
                found = true;
            }
        if (!found) blocks_needed.emplace_back(pool, need);
    }
    for (const auto& [pool, need] : blocks_needed)
        if (need > pool->free_blocks())
            return make_error(ErrorCode::budget_exhausted,
                              "KV cache out of blocks: the step needs " + std::to_string(need) +
                                  " blocks, " + std::to_string(pool->free_blocks()) + " free",
                              /*retryable=*/true);
    return {};
}

// Appends every group's tokens (cannot fail after plan) and records slots and contexts.
void Forward::Impl::append_all(std::span<const ForwardRow> rows) {
    slots.resize(rows.size());
    std::vector<std::int32_t>& ids = scratch_ids;
    for (Group& g : groups) {
        ids.clear();
        for (std::size_t r = g.first; r < g.first + g.count; ++r) ids.push_back(rows[r].token);
        Result<std::vector<KvSlot>> got = g.sequence->append(ids);
        BRAID_ASSERT(got.has_value(), "forward: append failed after the capacity check");
        for (std::size_t i = 0; i < g.count; ++i) slots[g.first + i] = (*got)[i];
    }
    // Contexts after every append (a later group's append may clone a segment an earlier group
    // shares, but never changes what the earlier group's segments hold).
    spans.clear();
    for (Group& g : groups) {
        g.span_first = spans.size();
        for (const std::shared_ptr<Segment>& s : g.sequence->segments())
            if (!s->empty()) spans.push_back(s->span());
        g.span_count = spans.size() - g.span_first;
    }
}

// One decoder layer for the step's n rows, in place on x.
void Forward::Impl::run_layer(std::size_t layer, std::size_t n) {
    const LayerWeights& lw = weights.layers[layer];
    const std::size_t q_dim = n_heads * head_dim, kv_dim = n_kv_heads * head_dim;
    rmsnorm(x.data(), lw.attn_norm.data, h.data(), n, hidden, weights.config.rms_eps);
    matmul(lw.wq, h.data(), q.data(), n, threads);
    matmul(lw.wk, h.data(), k.data(), n, threads);
    matmul(lw.wv, h.data(), v.data(), n, threads);
    add_bias(q.data(), lw.bq, n);
    add_bias(k.data(), lw.bk, n);
    add_bias(v.data(), lw.bv, n);
    // RoPE and the KV write for every row before any attention: rows of one chunk see each other.
    for (const Group& g : groups) {
        BlockPool& pool = g.sequence->pool();
        for (std::size_t r = g.first; r < g.first + g.count; ++r) {
            const KvSlot& slot = slots[r];
            rope(q.data() + r * q_dim, n_heads, head_dim, slot.position, inv_freq);
            rope(k.data() + r * kv_dim, n_kv_heads, head_dim, slot.position, inv_freq);
            pool.write(slot, layer, k.data() + r * kv_dim, v.data() + r * kv_dim);
        }
    }
    attend(layer);
    matmul(lw.wo, attn.data(), o.data(), n, threads);
    add_into(x.data(), o.data(), n * hidden);

    rmsnorm(x.data(), lw.ffn_norm.data, h.data(), n, hidden, weights.config.rms_eps);
    matmul(lw.w_gate, h.data(), gate.data(), n, threads);
    matmul(lw.w_up, h.data(), up.data(), n, threads);
    silu_mul(gate.data(), up.data(), gate.data(), n * ffn);
    matmul(lw.w_down, gate.data(), o.data(), n, threads);
    add_into(x.data(), o.data(), n * hidden);
}

// Paged attention for every row; one kernel call per run of groups that share a BlockPool.
void Forward::Impl::attend(std::size_t layer) {
    const std::size_t q_dim = n_heads * head_dim;
    const AttentionShape shape{n_heads, n_kv_heads, head_dim, layer,
                               1.0f / std::sqrt(static_cast<float>(head_dim))};
    std::size_t g = 0;
    while (g < groups.size()) {
        BlockPool& pool = groups[g].sequence->pool();
        attention_rows.clear();
        for (; g < groups.size() && &groups[g].sequence->pool() == &pool; ++g) {
            const Group& group = groups[g];
            const std::span<const SegmentSpan> context(spans.data() + group.span_first,
                                                       group.span_count);
            for (std::size_t r = group.first; r < group.first + group.count; ++r)
                attention_rows.push_back(AttentionRow{q.data() + r * q_dim, slots[r].position,
                                                      context, attn.data() + r * q_dim});
        }
        attention(pool, shape, attention_rows, inv_freq, threads);
    }
}

// Final norm and lm_head for the rows that want logits only.
void Forward::Impl::output(std::span<const ForwardRow> rows, std::vector<float>& logits) {
    std::size_t m = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (!rows[r].want_logits) continue;
        rmsnorm(x.data() + r * hidden, weights.output_norm.data, selected.data() + m * hidden, 1,
                hidden, weights.config.rms_eps);
        ++m;
    }
    logits.resize(m * vocab);
    if (m > 0) matmul(weights.lm_head, selected.data(), logits.data(), m, threads);
}

Forward::Forward(const ModelWeights& weights, ThreadPool* threads)
    : impl_(std::make_shared<Impl>(weights, threads)) {}

Result<void> Forward::step(std::span<const ForwardRow> rows, std::vector<float>& logits) {
    Impl& s = *impl_;
    logits.clear();
    if (rows.empty()) return {};
    if (Result<void> planned = s.plan(rows); !planned) return std::move(planned).error();
    const std::size_t n = rows.size();
    ensure(s.x, n * s.hidden);
    ensure(s.h, n * s.hidden);
    ensure(s.o, n * s.hidden);
    ensure(s.selected, n * s.hidden);
    ensure(s.q, n * s.n_heads * s.head_dim);
    ensure(s.attn, n * s.n_heads * s.head_dim);
    ensure(s.k, n * s.n_kv_heads * s.head_dim);
    ensure(s.v, n * s.n_kv_heads * s.head_dim);
    ensure(s.gate, n * s.ffn);
    ensure(s.up, n * s.ffn);

    s.append_all(rows);
    for (std::size_t r = 0; r < n; ++r) {
        const float* e = s.weights.token_embedding.row(static_cast<std::size_t>(rows[r].token));
        std::copy(e, e + s.hidden, s.x.data() + r * s.hidden);
    }
    for (std::size_t layer = 0; layer < s.weights.layers.size(); ++layer) s.run_layer(layer, n);
    s.output(rows, logits);
    return {};
}

const ModelConfig& Forward::config() const { return impl_->weights.config; }

KvLayout Forward::kv_layout() const { return KvLayout::from_config(impl_->weights.config); }

}  // namespace braid::backends::local
