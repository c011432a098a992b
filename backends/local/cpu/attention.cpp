#include "backends/local/cpu/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backends/local/cpu/rope.hpp"
#include "backends/local/cpu/thread_pool.hpp"
#include "backends/local/cpu/vec_ops.hpp"
#include "core/assert.hpp"

namespace braid::backends::local {

namespace {

// Scratch for one (row, kv head) task: the GQA group's shifted queries, running softmax state,
// accumulators and one block's scores. Reused across the tasks of a chunk.
struct Scratch {
    std::vector<float> q;       // [group, head_dim]
    std::vector<float> acc;     // [group, head_dim]
    std::vector<float> max;     // [group]
    std::vector<float> sum;     // [group]
    std::vector<float> scores;  // [group, block_size]
};

class Attention {
public:
    Attention(const BlockPool& kv, const AttentionShape& shape, std::span<const float> inv_freq,
              Isa isa)
        : kv_(kv), shape_(shape), inv_freq_(inv_freq), ops_(vec_ops(isa)),
          group_(shape.n_heads / shape.n_kv_heads), block_size_(kv.layout().block_size) {}

    Scratch make_scratch() const {
        const std::size_t d = shape_.head_dim;
        return Scratch{std::vector<float>(group_ * d), std::vector<float>(group_ * d),
                       std::vector<float>(group_), std::vector<float>(group_),
                       std::vector<float>(group_ * block_size_)};
    }

    void run(const AttentionRow& row, std::size_t kv_head, Scratch& s) const {
        const std::size_t d = shape_.head_dim;
        const float* q_group = row.q + kv_head * group_ * d;
        std::fill(s.acc.begin(), s.acc.end(), 0.0f);
        std::fill(s.max.begin(), s.max.end(), -std::numeric_limits<float>::infinity());
        std::fill(s.sum.begin(), s.sum.end(), 0.0f);

        for (const SegmentSpan& span : row.context) {
            const float* q = q_group;
            if (span.query_shift() != 0) {
                BRAID_ASSERT(inv_freq_.size() * 2 == d, "attention: shifted span needs inv_freq");
                std::copy(q_group, q_group + group_ * d, s.q.begin());
                rope(s.q.data(), group_, d, -span.query_shift(), inv_freq_);
                q = s.q.data();
            }
            for_each_block(span, block_size_, [&](BlockId block, std::size_t n, std::int64_t first) {
                if (first > row.position) return;  // the whole block is in the query's future
                const std::size_t visible =
                    std::min<std::size_t>(n, static_cast<std::size_t>(row.position - first) + 1);
                update(s, q, kv_.keys(block, shape_.layer, kv_head),
                       kv_.values(block, shape_.layer, kv_head), visible);
            });
        }

        for (std::size_t g = 0; g < group_; ++g) {
            float* out = row.out + (kv_head * group_ + g) * d;
            const float inv = s.sum[g] > 0.0f ? 1.0f / s.sum[g] : 0.0f;
            for (std::size_t i = 0; i < d; ++i) out[i] = s.acc[g * d + i] * inv;
        }
    }

private:
    // One block's `n` visible slots for every query head of the group: scores, then a single
    // rescale of the running state by exp(old max - new max), then the weighted sum of V rows.
    void update(Scratch& s, const float* q, const float* keys, const float* values,
                std::size_t n) const {
        const std::size_t d = shape_.head_dim;
        for (std::size_t g = 0; g < group_; ++g) {
            float* scores = s.scores.data() + g * block_size_;
            float block_max = -std::numeric_limits<float>::infinity();
            for (std::size_t j = 0; j < n; ++j) {
                scores[j] = ops_.dot(q + g * d, keys + j * d, d) * shape_.scale;
                block_max = std::max(block_max, scores[j]);
            }
            const float new_max = std::max(s.max[g], block_max);
            const float correction = std::exp(s.max[g] - new_max);  // 0 on the first block
            float* acc = s.acc.data() + g * d;
            float added = 0.0f;
            for (std::size_t j = 0; j < n; ++j) {
                scores[j] = std::exp(scores[j] - new_max);
                added += scores[j];
            }
            if (correction != 1.0f) {
                for (std::size_t i = 0; i < d; ++i) acc[i] *= correction;
            }
            for (std::size_t j = 0; j < n; ++j) ops_.axpy(acc, scores[j], values + j * d, d);
            s.sum[g] = s.sum[g] * correction + added;
            s.max[g] = new_max;
        }
    }

    const BlockPool& kv_;
    AttentionShape shape_;
    std::span<const float> inv_freq_;
    const VecOps& ops_;
    std::size_t group_;
    std::size_t block_size_;
};

}  // namespace

void attention(const BlockPool& kv, const AttentionShape& shape, std::span<const AttentionRow> rows,
               std::span<const float> inv_freq, ThreadPool* pool, Isa isa) {
    BRAID_ASSERT(shape.n_kv_heads > 0 && shape.n_heads % shape.n_kv_heads == 0,
                 "attention: n_kv_heads must divide n_heads");
    BRAID_ASSERT(shape.n_kv_heads == kv.layout().n_kv_heads && shape.head_dim == kv.layout().head_dim,
                 "attention: shape does not match the KV layout");
    BRAID_ASSERT(shape.layer < kv.layout().n_layers, "attention: layer out of range");
    BRAID_ASSERT(shape.scale > 0.0f, "attention: scale must be set (usually 1/sqrt(head_dim))");
    const Attention attn(kv, shape, inv_freq, isa);
    const std::size_t n_tasks = rows.size() * shape.n_kv_heads;
    auto run_tasks = [&](std::size_t begin, std::size_t end) {
        Scratch scratch = attn.make_scratch();
        for (std::size_t t = begin; t < end; ++t) {
            attn.run(rows[t / shape.n_kv_heads], t % shape.n_kv_heads, scratch);
        }
    };
    if (pool == nullptr) {
        run_tasks(0, n_tasks);
    } else {
        pool->parallel_for(n_tasks, run_tasks);
    }
}

}  // namespace braid::backends::local
