// Property test of the paged KV cache: thousands of random create/append/fork/merge/view/free
// operations across many sequences. After every operation:
//  - each block's reference count equals the number of live Segment objects listing it, and the
//    pool's used count equals the number of distinct blocks listed (no leak, no double free);
//  - every live sequence still reads back, slot by slot, the K data written for its own tokens at
//    their positions (copy-on-write never let one sequence overwrite another's data);
//  - a failed append changed nothing.
// At the end, dropping everything returns every block.

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "backends/local/kv/block_pool.hpp"
#include "backends/local/kv/kv_sequence.hpp"
#include "backends/local/kv/kv_view.hpp"

using braid::backends::local::BlockId;
using braid::backends::local::BlockPool;
using braid::backends::local::ForkMode;
using braid::backends::local::KvLayout;
using braid::backends::local::KvSequence;
using braid::backends::local::KvSlot;
using braid::backends::local::KvView;
using braid::backends::local::Segment;
using braid::backends::local::SegmentSpan;

namespace {

// Small blocks so that block boundaries, partial blocks and exhaustion happen often.
constexpr KvLayout tiny_layout{2, 1, 2, 4};
constexpr std::size_t pool_blocks = 160;
constexpr std::size_t max_sequences = 24;

class World {
public:
    World() : pool_(tiny_layout, pool_blocks) {}

    BlockPool& pool() { return pool_; }
    std::vector<KvSequence>& sequences() { return sequences_; }
    std::vector<KvView>& views() { return views_; }

    // Token t at position p is stored as K = (t, p) in layer 0 and (t + 0.5, p) in layer 1.
    void write(const std::vector<KvSlot>& slots, const std::vector<std::int32_t>& tokens) {
        for (std::size_t i = 0; i < slots.size(); ++i) {
            const float t = static_cast<float>(tokens[i]);
            const float p = static_cast<float>(slots[i].position);
            const float k0[2] = {t, p}, k1[2] = {t + 0.5f, p}, v[2] = {-t, -p};
            pool_.write(slots[i], 0, k0, v);
            pool_.write(slots[i], 1, k1, v);
        }
    }

    std::map<BlockId, std::uint32_t> expected_counts() const {
        std::set<const Segment*> live;
        for (const KvSequence& seq : sequences_) {
            for (const auto& segment : seq.segments()) live.insert(segment.get());
        }
        for (const KvView& view : views_) {
            for (const auto& segment : view.segments()) live.insert(segment.get());
        }
        std::map<BlockId, std::uint32_t> counts;
        for (const Segment* segment : live) {
            for (const BlockId block : segment->blocks()) ++counts[block];
        }
        return counts;
    }

    std::vector<std::uint32_t> counts_snapshot() const {
        std::vector<std::uint32_t> out(pool_.n_blocks());
        for (std::size_t b = 0; b < out.size(); ++b) out[b] = pool_.ref_count(static_cast<BlockId>(b));
        return out;
    }

    void check() const {
        const auto expected = expected_counts();
        for (std::size_t b = 0; b < pool_.n_blocks(); ++b) {
            const auto it = expected.find(static_cast<BlockId>(b));
            const std::uint32_t want = it == expected.end() ? 0 : it->second;
            REQUIRE(pool_.ref_count(static_cast<BlockId>(b)) == want);
        }
        REQUIRE(pool_.used_blocks() == expected.size());
        for (const KvSequence& seq : sequences_) check_contents(seq.segments());
        for (const KvView& view : views_) check_contents(view.segments());
    }

private:
    template <class Segments>
    void check_contents(const Segments& segments) const {
        const std::size_t bs = tiny_layout.block_size;
        for (const auto& segment : segments) {
            const auto tokens = segment->token_ids();
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                const BlockId block = segment->blocks()[i / bs];
                const float* k0 = pool_.keys(block, 0, 0) + (i % bs) * tiny_layout.head_dim;
                const float* k1 = pool_.keys(block, 1, 0) + (i % bs) * tiny_layout.head_dim;
                const float p = static_cast<float>(segment->position_offset() + static_cast<std::int64_t>(i));
                REQUIRE(k0[0] == static_cast<float>(tokens[i]));
                REQUIRE(k0[1] == p);
                REQUIRE(k1[0] == static_cast<float>(tokens[i]) + 0.5f);
            }
        }
    }

    BlockPool pool_;
    // Declared after the pool: destroyed first, releasing every block into a live pool.
    std::vector<KvSequence> sequences_;
    std::vector<KvView> views_;
};

}  // namespace

TEST_CASE("random KV operations keep reference counts exact and never leak",
          "[backends_local][kv][property]") {
    std::mt19937 rng(20260611);
    auto uniform = [&](std::size_t lo, std::size_t hi) {  // inclusive
        return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
    };
    std::int32_t next_token = 1;
    std::size_t appended = 0, failed_appends = 0, merges = 0, failed_merges = 0;
    {
        World world;
        auto& seqs = world.sequences();
        auto append = [&](KvSequence& seq, std::size_t n) {
            std::vector<std::int32_t> tokens(n);
            for (auto& t : tokens) t = next_token++;
            const auto before = world.counts_snapshot();
            const std::size_t length_before = seq.length();
            const Segment* tail_before = seq.segments().back().get();
            auto slots = seq.append(tokens);
            if (!slots) {
                ++failed_appends;
                REQUIRE(world.counts_snapshot() == before);
                REQUIRE(seq.length() == length_before);
                REQUIRE(seq.segments().back().get() == tail_before);
                return;
            }
            ++appended;
            world.write(*slots, tokens);
        };

        constexpr int n_ops = 4000;
        for (int op = 0; op < n_ops; ++op) {
            const std::size_t kind = uniform(0, 99);
            if (seqs.empty() || (kind < 8 && seqs.size() < max_sequences)) {
                seqs.emplace_back(world.pool(), static_cast<std::int64_t>(uniform(0, 3)));
            } else if (kind < 50) {
                append(seqs[uniform(0, seqs.size() - 1)], uniform(1, 9));
            } else if (kind < 62 && seqs.size() < max_sequences) {
                const std::size_t i = uniform(0, seqs.size() - 1);
                const auto mode = uniform(0, 1) == 0 ? ForkMode::share_tail : ForkMode::new_segment;
                seqs.push_back(seqs[i].fork(mode));
            } else if (kind < 70 && seqs.size() + 3 <= max_sequences) {
                // A Multiverse round: paths from one parent, each appends, then reduce.
                const std::size_t i = uniform(0, seqs.size() - 1);
                const std::size_t n_paths = uniform(1, 3);
                std::vector<KvSequence> paths;
                for (std::size_t p = 0; p < n_paths; ++p) {
                    paths.push_back(seqs[i].fork(ForkMode::new_segment));
                    append(paths.back(), uniform(0, 6));
                }
                std::vector<const KvSequence*> parents = {&seqs[i]};
                for (const auto& path : paths) parents.push_back(&path);
                auto merged = KvSequence::merge(parents);
                REQUIRE(merged.has_value());
                ++merges;
                seqs.push_back(std::move(*merged));
                if (uniform(0, 1) == 0) seqs.push_back(std::move(paths.back()));
            } else if (kind < 75) {
                // Arbitrary merges: these usually violate the position rule and must fail cleanly.
                const auto before = world.counts_snapshot();
                const std::vector<const KvSequence*> parents = {
                    &seqs[uniform(0, seqs.size() - 1)], &seqs[uniform(0, seqs.size() - 1)]};
                auto merged = KvSequence::merge(parents);
                if (merged) {
                    ++merges;
                    if (seqs.size() < max_sequences) seqs.push_back(std::move(*merged));
                } else {
                    ++failed_merges;
                    REQUIRE(world.counts_snapshot() == before);
                }
            } else if (kind < 80) {
                const KvSequence& seq = seqs[uniform(0, seqs.size() - 1)];
                std::vector<std::size_t> order(seq.segments().size());
                for (auto& index : order) index = uniform(0, seq.segments().size() - 1);
                world.views().push_back(seq.view(order));
                if (world.views().size() > 6) world.views().erase(world.views().begin());
            } else {
                seqs.erase(seqs.begin() + static_cast<std::ptrdiff_t>(uniform(0, seqs.size() - 1)));
            }
            world.check();
        }
        world.views().clear();
        seqs.clear();
        REQUIRE(world.pool().free_blocks() == pool_blocks);
    }
    // The run exercised what it claims to.
    REQUIRE(appended > 500);
    REQUIRE(failed_appends > 10);
    REQUIRE(merges > 50);
    REQUIRE(failed_merges > 5);
}
