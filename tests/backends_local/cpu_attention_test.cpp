// Paged attention against a naive softmax over a contiguous copy of the same context, built from
// the test's own record of what each token's K/V and position are (never read from the pool).

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "backends/local/cpu/attention.hpp"
#include "backends/local/cpu/isa.hpp"
#include "backends/local/cpu/rope.hpp"
#include "backends/local/cpu/thread_pool.hpp"
#include "backends/local/kv/block_pool.hpp"
#include "backends/local/kv/kv_sequence.hpp"
#include "backends/local/kv/kv_view.hpp"
#include "backends/local/kv/segment.hpp"

using braid::backends::local::AttentionRow;
using braid::backends::local::AttentionShape;
using braid::backends::local::BlockPool;
using braid::backends::local::ForkMode;
using braid::backends::local::Isa;
using braid::backends::local::KvLayout;
using braid::backends::local::KvSequence;
using braid::backends::local::KvSlot;
using braid::backends::local::KvView;
using braid::backends::local::ModelConfig;
using braid::backends::local::Segment;
using braid::backends::local::SegmentSpan;
using braid::backends::local::ThreadPool;

namespace {

constexpr std::size_t n_heads = 4, n_kv_heads = 2, head_dim = 16, n_layers = 2;
constexpr KvLayout layout{n_layers, n_kv_heads, head_dim, 16};

std::vector<float> random_floats(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
    std::uniform_real_distribution<float> dist(-scale, scale);
    std::vector<float> out(n);
    for (auto& v : out) v = dist(rng);
    return out;
}

std::vector<float> inv_freq() {
    ModelConfig config;
    config.head_dim = head_dim;
    config.rope_theta = 10000.0f;
    return braid::backends::local::rope_inv_freq(config);
}

std::vector<Isa> available_isas() {
    std::vector<Isa> out = {Isa::scalar};
    if (braid::backends::local::isa_supported(Isa::avx2)) out.push_back(Isa::avx2);
    return out;
}

// Every token id has raw (unrotated) K and V rows per layer, drawn once.
class Tokens {
public:
    explicit Tokens(std::uint32_t seed) : rng_(seed) {}

    const std::vector<float>& raw_key(std::int32_t id, std::size_t layer) { return entry(id, layer).k; }
    const std::vector<float>& value(std::int32_t id, std::size_t layer) { return entry(id, layer).v; }

    // The key as stored: rotated at `position`.
    std::vector<float> key_at(std::int32_t id, std::size_t layer, std::int64_t position) {
        std::vector<float> k = raw_key(id, layer);
        const auto f = inv_freq();
        braid::backends::local::rope(k.data(), n_kv_heads, head_dim, position, f);
        return k;
    }

    // Appends `n` fresh tokens to `seq` and writes their K (rotated at the slot's position) / V.
    void append(KvSequence& seq, std::size_t n) {
        std::vector<std::int32_t> ids(n);
        for (auto& id : ids) id = next_id_++;
        auto slots = seq.append(ids);
        REQUIRE(slots.has_value());
        write(seq.pool(), ids, *slots);
    }
    void append(Segment& segment, BlockPool& pool, std::size_t n) {
        std::vector<std::int32_t> ids(n);
        for (auto& id : ids) id = next_id_++;
        auto slots = segment.append(ids);
        REQUIRE(slots.has_value());
        write(pool, ids, *slots);
    }

private:
    struct Entry {
        std::vector<float> k, v;
    };
    Entry& entry(std::int32_t id, std::size_t layer) {
        auto key = std::make_pair(id, layer);
        auto it = table_.find(key);
        if (it == table_.end()) {
            it = table_.emplace(key, Entry{random_floats(layout.kv_row_floats(), rng_),
                                           random_floats(layout.kv_row_floats(), rng_)}).first;
        }
        return it->second;
    }
    void write(BlockPool& pool, const std::vector<std::int32_t>& ids, const std::vector<KvSlot>& slots) {
        for (std::size_t i = 0; i < ids.size(); ++i) {
            for (std::size_t layer = 0; layer < n_layers; ++layer) {
                const auto k = key_at(ids[i], layer, slots[i].position);
                pool.write(slots[i], layer, k.data(), value(ids[i], layer).data());
            }
        }
    }

    std::mt19937 rng_;
    std::map<std::pair<std::int32_t, std::size_t>, Entry> table_;
    std::int32_t next_id_ = 1;
};

// One key of a contiguous reference context: the token and its logical position. Its key is
// rotated at the logical position (what re-rotating keys would produce).
struct RefKey {
    std::int32_t id;
    std::int64_t position;
};

std::vector<RefKey> reference_context(const std::vector<SegmentSpan>& spans,
                                      const std::vector<std::vector<std::int32_t>>& span_tokens) {
    std::vector<RefKey> out;
    for (std::size_t s = 0; s < spans.size(); ++s) {
        for (std::size_t i = 0; i < spans[s].length; ++i) {
            out.push_back({span_tokens[s][i], spans[s].position + static_cast<std::int64_t>(i)});
        }
    }
    return out;
}

std::vector<std::vector<std::int32_t>> tokens_of(const KvSequence& seq) {
    std::vector<std::vector<std::int32_t>> out;
    for (const auto& segment : seq.segments()) {
        out.emplace_back(segment->token_ids().begin(), segment->token_ids().end());
    }
    return out;
}

// softmax(q·k * scale) v over the visible keys, in double.
std::vector<double> reference_attention(Tokens& tokens, const std::vector<RefKey>& context,
                                        const std::vector<float>& q, std::int64_t position,
                                        std::size_t layer) {
    const std::size_t group = n_heads / n_kv_heads;
    const double scale = 1.0 / std::sqrt(double(head_dim));
    std::vector<double> out(n_heads * head_dim, 0.0);
    for (std::size_t h = 0; h < n_heads; ++h) {
        const std::size_t kvh = h / group;
        std::vector<double> scores;
        std::vector<const RefKey*> visible;
        for (const RefKey& key : context) {
            if (key.position > position) continue;
            const auto k = tokens.key_at(key.id, layer, key.position);
            double s = 0;
            for (std::size_t i = 0; i < head_dim; ++i) s += double(q[h * head_dim + i]) * k[kvh * head_dim + i];
            scores.push_back(s * scale);
            visible.push_back(&key);
        }
        if (scores.empty()) continue;
        double max = scores[0];
        for (double s : scores) max = std::max(max, s);
        double z = 0;
        for (double& s : scores) z += (s = std::exp(s - max));
        for (std::size_t j = 0; j < scores.size(); ++j) {
            const auto& v = tokens.value(visible[j]->id, layer);
            for (std::size_t i = 0; i < head_dim; ++i) {
                out[h * head_dim + i] += scores[j] / z * v[kvh * head_dim + i];
            }
        }
    }
    return out;
}

AttentionShape shape_for(std::size_t layer) {
    return AttentionShape{n_heads, n_kv_heads, head_dim, layer, 1.0f / std::sqrt(float(head_dim))};
}

void require_close(const std::vector<float>& got, const std::vector<double>& want, double tol = 1e-5) {
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        INFO("element " << i);
        REQUIRE(std::abs(double(got[i]) - want[i]) <= tol);
    }
}

}  // namespace

TEST_CASE("paged attention over forked, copied-on-write and merged contexts equals attention "
          "over contiguous copies",
          "[backends_local][cpu][attention]") {
    std::mt19937 rng(21);
    Tokens tokens(22);
    BlockPool pool(layout, 64);
    ThreadPool threads(3);

    KvSequence prefix(pool);
    tokens.append(prefix, 37);                   // 2 full blocks + 5 slots
    KvSequence sample = prefix.fork();           // share_tail: CoW of the partial block
    tokens.append(sample, 20);
    KvSequence path_a = prefix.fork(ForkMode::new_segment);
    KvSequence path_b = prefix.fork(ForkMode::new_segment);
    tokens.append(path_a, 9);
    tokens.append(path_b, 18);
    const std::vector<const KvSequence*> parents = {&prefix, &path_a, &path_b};
    auto merged = KvSequence::merge(parents);
    REQUIRE(merged.has_value());
    tokens.append(*merged, 3);                   // the conclusion, at 37 + 18 = 55..57

    // Query rows: decode rows at each sequence's last position, plus prefill-like rows at
    // earlier positions (causal mask inside the context).
    struct Case {
        const KvSequence* seq;
        std::int64_t position;
    };
    const std::vector<Case> cases = {
        {&prefix, 36}, {&prefix, 10}, {&sample, 56}, {&sample, 40}, {&path_a, 45},
        {&path_b, 54}, {&path_b, 37}, {&*merged, 57}, {&*merged, 55}, {&*merged, 0},
    };
    std::vector<std::vector<SegmentSpan>> contexts;
    std::vector<std::vector<float>> queries;
    for (const Case& c : cases) {
        contexts.push_back(c.seq->spans());
        queries.push_back(random_floats(n_heads * head_dim, rng));
    }
    for (std::size_t layer = 0; layer < n_layers; ++layer) {
        for (const Isa isa : available_isas()) {
            for (ThreadPool* tp : {static_cast<ThreadPool*>(nullptr), &threads}) {
                std::vector<std::vector<float>> outs(cases.size(), std::vector<float>(n_heads * head_dim));
                std::vector<AttentionRow> rows;
                for (std::size_t r = 0; r < cases.size(); ++r) {
                    rows.push_back({queries[r].data(), cases[r].position, contexts[r], outs[r].data()});
                }
                braid::backends::local::attention(pool, shape_for(layer), rows, {}, tp, isa);
                for (std::size_t r = 0; r < cases.size(); ++r) {
                    INFO("row " << r << " layer " << layer << " isa " << braid::backends::local::isa_name(isa));
                    const auto ref_ctx = reference_context(contexts[r], tokens_of(*cases[r].seq));
                    require_close(outs[r], reference_attention(tokens, ref_ctx, queries[r],
                                                               cases[r].position, layer));
                }
            }
        }
    }
}

TEST_CASE("a Multiverse path never attends to a sibling path; the conclusion sees both",
          "[backends_local][cpu][attention]") {
    std::mt19937 rng(23);
    Tokens tokens(24);
    BlockPool pool(layout, 16);
    KvSequence prefix(pool);
    tokens.append(prefix, 4);
    KvSequence a = prefix.fork(ForkMode::new_segment);
    KvSequence b = prefix.fork(ForkMode::new_segment);
    tokens.append(a, 3);
    tokens.append(b, 3);
    const auto q = random_floats(n_heads * head_dim, rng);
    // Path a's context is prefix + a only: identical to attention over exactly those tokens.
    std::vector<float> out(n_heads * head_dim);
    const auto ctx_a = a.spans();
    const AttentionRow row{q.data(), 6, ctx_a, out.data()};
    braid::backends::local::attention(pool, shape_for(0), {&row, 1});
    const auto ref = reference_attention(tokens, reference_context(ctx_a, tokens_of(a)), q, 6, 0);
    require_close(out, ref);
    REQUIRE(reference_context(ctx_a, tokens_of(a)).size() == 7);  // b's 3 tokens are not there

    const std::vector<const KvSequence*> parents = {&a, &b};
    auto merged = KvSequence::merge(parents);
    REQUIRE(merged.has_value());
    const auto ctx_m = merged->spans();
    REQUIRE(reference_context(ctx_m, tokens_of(*merged)).size() == 10);
    const AttentionRow conclusion{q.data(), 7, ctx_m, out.data()};
    braid::backends::local::attention(pool, shape_for(0), {&conclusion, 1});
    require_close(out, reference_attention(tokens, reference_context(ctx_m, tokens_of(*merged)), q, 7, 0));
}

TEST_CASE("Hogwild placement: rotating the query per segment equals re-rotating the keys",
          "[backends_local][cpu][attention]") {
    std::mt19937 rng(25);
    Tokens tokens(26);
    BlockPool pool(layout, 16);
    const auto f = inv_freq();
    // Keys stored at segment-local positions (each segment starts at 0).
    auto common = Segment::create(pool, 0);
    auto alice = Segment::create(pool, 0);
    auto bob = Segment::create(pool, 0);
    tokens.append(*common, pool, 21);
    tokens.append(*alice, pool, 5);
    tokens.append(*bob, pool, 18);
    const KvView alice_view({common, bob, alice}, KvView::Placement::packed);
    const auto spans = alice_view.spans();
    REQUIRE(spans[2].query_shift() == 39);
    const std::int64_t position = alice_view.next_position() - 1;  // alice's last token: 43

    std::vector<std::vector<std::int32_t>> span_tokens;
    for (const auto& segment : alice_view.segments()) {
        span_tokens.emplace_back(segment->token_ids().begin(), segment->token_ids().end());
    }
    const auto raw_q = random_floats(n_heads * head_dim, rng);
    std::vector<float> q = raw_q;
    braid::backends::local::rope(q.data(), n_heads, head_dim, position, f);
    for (const Isa isa : available_isas()) {
        std::vector<float> out(n_heads * head_dim);
        const AttentionRow row{q.data(), position, spans, out.data()};
        braid::backends::local::attention(pool, shape_for(1), {&row, 1}, f, nullptr, isa);
        // The reference rotates every key at its logical position in alice's view.
        require_close(out, reference_attention(tokens, reference_context(spans, span_tokens), q,
                                                position, 1), 2e-5);
    }
}

TEST_CASE("attention stays exact with large scores and gives zeros for an empty context",
          "[backends_local][cpu][attention]") {
    std::mt19937 rng(27);
    Tokens tokens(28);
    BlockPool pool(layout, 16);
    KvSequence seq(pool);
    tokens.append(seq, 40);
    auto q = random_floats(n_heads * head_dim, rng, 30.0f);  // scores in the hundreds
    const auto ctx = seq.spans();
    std::vector<float> out(n_heads * head_dim);
    const AttentionRow row{q.data(), 39, ctx, out.data()};
    braid::backends::local::attention(pool, shape_for(0), {&row, 1});
    for (float v : out) REQUIRE(std::isfinite(v));
    require_close(out, reference_attention(tokens, reference_context(ctx, tokens_of(seq)), q, 39, 0), 1e-4);

    KvSequence empty(pool, 0);
    const auto none = empty.spans();
    std::vector<float> zeros(n_heads * head_dim, 7.0f);
    const AttentionRow blank{q.data(), 5, none, zeros.data()};
    braid::backends::local::attention(pool, shape_for(0), {&blank, 1});
    for (float v : zeros) REQUIRE(v == 0.0f);
}
