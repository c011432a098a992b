#include <catch2/catch.hpp>

#include <cstdint>
#include <numeric>
#include <vector>

#include "backends/local/kv/block_pool.hpp"
#include "backends/local/kv/kv_sequence.hpp"
#include "backends/local/kv/kv_view.hpp"
#include "backends/local/kv/segment.hpp"

using braid::ErrorCode;
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

constexpr KvLayout small_layout{2, 2, 4, 16};  // 2 layers, 2 kv heads, head_dim 4, 16 slots

std::vector<std::int32_t> ids(std::size_t n, std::int32_t first = 0) {
    std::vector<std::int32_t> out(n);
    std::iota(out.begin(), out.end(), first);
    return out;
}

// Writes a recognisable K/V for `token` into every head of every layer of `slot`.
void write_token(BlockPool& pool, const KvSlot& slot, float token) {
    const KvLayout& layout = pool.layout();
    std::vector<float> k(layout.kv_row_floats()), v(layout.kv_row_floats());
    for (std::size_t layer = 0; layer < layout.n_layers; ++layer) {
        for (std::size_t i = 0; i < k.size(); ++i) {
            k[i] = token + 0.001f * static_cast<float>(i) + 10.0f * static_cast<float>(layer);
            v[i] = -k[i];
        }
        pool.write(slot, layer, k.data(), v.data());
    }
}

std::vector<KvSlot> append_and_write(KvSequence& seq, std::size_t n, std::int32_t first) {
    auto slots = seq.append(ids(n, first));
    REQUIRE(slots.has_value());
    for (std::size_t i = 0; i < slots->size(); ++i) {
        write_token(seq.pool(), (*slots)[i], static_cast<float>(first) + static_cast<float>(i));
    }
    return *slots;
}

// The key of token i (0-based, in context order) of `seq` in layer 0, head 0, dim 0.
std::vector<float> first_key_floats(const KvSequence& seq) {
    std::vector<float> out;
    const BlockPool& pool = seq.pool();
    for (const SegmentSpan& span : seq.spans()) {
        for_each_block(span, pool.layout().block_size,
                       [&](BlockId block, std::size_t n, std::int64_t) {
                           for (std::size_t s = 0; s < n; ++s) {
                               out.push_back(pool.keys(block, 0, 0)[s * pool.layout().head_dim]);
                           }
                       });
    }
    return out;
}

}  // namespace

TEST_CASE("BlockPool hands out blocks until empty and takes them back at count zero",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 3);
    REQUIRE(pool.free_blocks() == 3);
    auto a = pool.allocate();
    auto b = pool.allocate();
    auto c = pool.allocate();
    REQUIRE((a && b && c));
    REQUIRE(*a == 0);
    REQUIRE_FALSE(pool.allocate().has_value());
    REQUIRE(pool.used_blocks() == 3);
    pool.retain(*b);
    REQUIRE(pool.ref_count(*b) == 2);
    pool.release(*b);
    REQUIRE(pool.free_blocks() == 0);
    pool.release(*b);
    REQUIRE(pool.free_blocks() == 1);
    REQUIRE(pool.ref_count(*b) == 0);
    REQUIRE(pool.allocate() == b);
}

TEST_CASE("BlockPool lays a block out as [layer][K|V][kv_head][slot][head_dim]",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 2);
    const BlockId block = *pool.allocate();
    const BlockId other = *pool.allocate();
    const std::size_t d = small_layout.head_dim;
    REQUIRE(pool.keys(block, 0, 1) - pool.keys(block, 0, 0) == static_cast<std::ptrdiff_t>(16 * d));
    REQUIRE(pool.values(block, 0, 0) - pool.keys(block, 0, 0) ==
            static_cast<std::ptrdiff_t>(2 * 16 * d));
    REQUIRE(pool.keys(block, 1, 0) - pool.keys(block, 0, 0) ==
            static_cast<std::ptrdiff_t>(small_layout.floats_per_layer()));
    REQUIRE(pool.keys(other, 0, 0) - pool.keys(block, 0, 0) ==
            static_cast<std::ptrdiff_t>(small_layout.floats_per_block()));

    const std::vector<float> k = {1, 2, 3, 4, 5, 6, 7, 8}, v = {-1, -2, -3, -4, -5, -6, -7, -8};
    pool.write(KvSlot{block, 3, 99}, 1, k.data(), v.data());
    REQUIRE(pool.keys(block, 1, 0)[3 * d + 0] == 1.0f);
    REQUIRE(pool.keys(block, 1, 1)[3 * d + 3] == 8.0f);
    REQUIRE(pool.values(block, 1, 1)[3 * d + 0] == -5.0f);
    pool.copy_block(block, other);
    REQUIRE(pool.keys(other, 1, 1)[3 * d + 3] == 8.0f);
    REQUIRE(pool.values(other, 1, 0)[3 * d + 1] == -2.0f);
}

TEST_CASE("append fills blocks in order and returns each token's block, slot and position",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 8);
    KvSequence seq(pool, 5);
    auto slots = seq.append(ids(33));
    REQUIRE(slots.has_value());
    REQUIRE(slots->size() == 33);
    REQUIRE(pool.used_blocks() == 3);
    REQUIRE((*slots)[0].position == 5);
    REQUIRE((*slots)[16].slot == 0);
    REQUIRE((*slots)[16].block != (*slots)[15].block);
    REQUIRE((*slots)[32].position == 37);
    REQUIRE(seq.length() == 33);
    REQUIRE(seq.next_position() == 38);
    REQUIRE(seq.tokens() == ids(33));
    REQUIRE(seq.append({}).has_value());
    REQUIRE(pool.used_blocks() == 3);
}

TEST_CASE("fork shares every block without allocating", "[backends_local][kv]") {
    BlockPool pool(small_layout, 16);
    KvSequence parent(pool);
    append_and_write(parent, 40, 0);
    const std::size_t used = pool.used_blocks();
    KvSequence child = parent.fork();
    KvSequence path = parent.fork(ForkMode::new_segment);
    REQUIRE(pool.used_blocks() == used);
    for (const BlockId block : parent.segments().front()->blocks()) {
        REQUIRE(pool.ref_count(block) == 1);  // one Segment object, held by three sequences
    }
    REQUIRE(child.tokens() == parent.tokens());
    REQUIRE(path.tokens() == parent.tokens());
    REQUIRE(path.next_position() == 40);
}

TEST_CASE("a child writing into a shared partial block leaves the parent unchanged (CoW)",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 16);
    KvSequence parent(pool);
    const auto parent_slots = append_and_write(parent, 20, 100);  // one full block + 4 slots
    const std::vector<float> parent_keys = first_key_floats(parent);
    const BlockId full = parent_slots[0].block;
    const BlockId partial = parent_slots[19].block;

    KvSequence child = parent.fork();
    const auto child_slots = append_and_write(child, 3, 500);
    REQUIRE(pool.used_blocks() == 3);  // exactly one block copied
    REQUIRE(child_slots[0].block != partial);
    REQUIRE(child_slots[0].slot == 4);
    REQUIRE(child_slots[0].position == 20);
    REQUIRE(child.segments().back()->blocks()[0] == full);  // the full block is still shared
    REQUIRE(pool.ref_count(full) == 2);
    REQUIRE(pool.ref_count(partial) == 1);

    REQUIRE(first_key_floats(parent) == parent_keys);
    std::vector<float> child_expected = parent_keys;
    for (float t : {500.0f, 501.0f, 502.0f}) child_expected.push_back(t);
    REQUIRE(first_key_floats(child) == child_expected);

    // The parent's partial block is its own again: it appends in place, no copy.
    const auto more = append_and_write(parent, 2, 900);
    REQUIRE(more[0].block == partial);
    REQUIRE(pool.used_blocks() == 3);
    REQUIRE(first_key_floats(child) == child_expected);
}

TEST_CASE("fork does not copy full blocks", "[backends_local][kv]") {
    BlockPool pool(small_layout, 16);
    KvSequence parent(pool);
    append_and_write(parent, 64, 0);  // four full blocks
    KvSequence child = parent.fork();
    append_and_write(child, 1, 64);
    REQUIRE(pool.used_blocks() == 5);
    const auto parent_blocks = parent.segments().back()->blocks();
    const auto child_blocks = child.segments().back()->blocks();
    for (std::size_t i = 0; i < 4; ++i) REQUIRE(child_blocks[i] == parent_blocks[i]);
}

TEST_CASE("append without enough free blocks fails cleanly and changes nothing",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 3);
    KvSequence parent(pool);
    append_and_write(parent, 40, 0);  // three blocks, the last one partial
    KvSequence child = parent.fork();
    const Segment* child_tail = child.segments().back().get();
    const auto blocks_before = std::vector<BlockId>(parent.segments().back()->blocks().begin(),
                                                    parent.segments().back()->blocks().end());

    auto failed = child.append(ids(1));  // needs a copy of the shared partial block
    REQUIRE_FALSE(failed.has_value());
    REQUIRE(failed.error().code == ErrorCode::budget_exhausted);
    REQUIRE(failed.error().retryable);
    REQUIRE(child.segments().back().get() == child_tail);  // not even cloned
    REQUIRE(child.length() == 40);
    REQUIRE(pool.free_blocks() == 0);
    for (const BlockId block : blocks_before) REQUIRE(pool.ref_count(block) == 1);

    // The parent shares its segment with the child too, so it would have to copy as well.
    REQUIRE_FALSE(parent.append(ids(1)).has_value());
    REQUIRE(parent.length() == 40);

    // Once the child is gone the parent's tail is its own: 8 tokens fit in place, a 9th does not.
    child = KvSequence(pool);
    REQUIRE(pool.free_blocks() == 0);
    auto too_long = parent.append(ids(9));
    REQUIRE_FALSE(too_long.has_value());
    REQUIRE(parent.length() == 40);
    REQUIRE(parent.append(ids(8)).has_value());
    REQUIRE(parent.length() == 48);
    REQUIRE(pool.free_blocks() == 0);
}

TEST_CASE("64 forks of a 1,024-token prefix cost little more than one sequence",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 512);
    KvSequence prefix(pool);
    append_and_write(prefix, 1024, 0);
    const std::size_t one = pool.used_blocks();
    REQUIRE(one == 64);
    constexpr std::size_t n_forks = 64, own_tokens = 10;
    std::vector<KvSequence> forks;
    for (std::size_t i = 0; i < n_forks; ++i) {
        forks.push_back(prefix.fork());
        append_and_write(forks.back(), own_tokens, 2000);
    }
    const std::size_t own_blocks = n_forks * ((own_tokens + 15) / 16);
    REQUIRE(static_cast<double>(pool.used_blocks()) <= 1.1 * static_cast<double>(one) +
                                                           static_cast<double>(own_blocks));
    forks.clear();
    REQUIRE(pool.used_blocks() == one);
}

TEST_CASE("merge places every path at the same position and continues after the longest",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 32);
    KvSequence parent(pool);
    append_and_write(parent, 20, 0);  // positions 0..19; the goal ends at 19
    std::vector<KvSequence> paths;
    const std::vector<std::size_t> lengths = {5, 9, 2};
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        paths.push_back(parent.fork(ForkMode::new_segment));
        const auto slots = append_and_write(paths.back(), lengths[i], 100 * static_cast<std::int32_t>(i + 1));
        REQUIRE(slots.front().position == 20);
        REQUIRE(slots.front().slot == 0);  // a path never writes into the prefix's blocks
    }
    const std::vector<const KvSequence*> parents = {&parent, &paths[0], &paths[1], &paths[2]};
    auto merged = KvSequence::merge(parents);
    REQUIRE(merged.has_value());

    std::vector<std::int32_t> expected = ids(20);
    for (std::size_t i = 0; i < lengths.size(); ++i) {
        const auto path = ids(lengths[i], 100 * static_cast<std::int32_t>(i + 1));
        expected.insert(expected.end(), path.begin(), path.end());
    }
    REQUIRE(merged->tokens() == expected);
    REQUIRE(merged->length() == 36);
    REQUIRE(merged->next_position() == 29);  // 20 + the longest path (9)
    const auto spans = merged->spans();
    REQUIRE(spans.size() == 5);  // prefix, three paths, the empty continuation
    REQUIRE(spans[0].position == 0);
    for (std::size_t i = 1; i <= 3; ++i) {
        REQUIRE(spans[i].position == 20);
        REQUIRE(spans[i].query_shift() == 0);
    }
    const auto conclusion = merged->append(ids(1, 7));
    REQUIRE(conclusion.has_value());
    REQUIRE(conclusion->front().position == 29);

    // The merged context shares every block; nothing was copied.
    REQUIRE(pool.used_blocks() == 2 + 3 + 1);
    // Paths keep going on their own without disturbing the merged context.
    append_and_write(paths[0], 1, 55);
    REQUIRE(merged->tokens().size() == 37);
}

TEST_CASE("merge refuses contexts that would hold a token twice or misplace a path",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 32);
    KvSequence parent(pool);
    append_and_write(parent, 20, 0);
    KvSequence a = parent.fork();  // share_tail: a's tokens continue the prefix's segment
    KvSequence b = parent.fork();
    append_and_write(a, 3, 100);
    append_and_write(b, 3, 200);
    const std::vector<const KvSequence*> shared_tail = {&a, &b};
    auto duplicated = KvSequence::merge(shared_tail);
    REQUIRE_FALSE(duplicated.has_value());
    REQUIRE(duplicated.error().code == ErrorCode::invalid_input);

    KvSequence early(pool, 0), late(pool, 5);
    append_and_write(early, 2, 0);
    append_and_write(late, 2, 0);
    const std::vector<const KvSequence*> misplaced = {&early, &late};
    auto wrong = KvSequence::merge(misplaced);
    REQUIRE_FALSE(wrong.has_value());
    REQUIRE(wrong.error().code == ErrorCode::invalid_input);

    REQUIRE_FALSE(KvSequence::merge({}).has_value());
    const std::size_t used = pool.used_blocks();
    REQUIRE(used == 2 + 2 + 2);  // failed merges allocated nothing
}

TEST_CASE("a view packs segments in the chosen order and reports each query shift",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 32);
    KvSequence parent(pool);
    append_and_write(parent, 10, 0);
    KvSequence p1 = parent.fork(ForkMode::new_segment);
    KvSequence p2 = parent.fork(ForkMode::new_segment);
    append_and_write(p1, 4, 100);
    append_and_write(p2, 6, 200);
    const std::vector<const KvSequence*> parents = {&p1, &p2};
    auto merged = KvSequence::merge(parents);
    REQUIRE(merged.has_value());
    // segments: [prefix (stored at 0), p1 (stored at 10), p2 (stored at 10), continuation]
    const std::vector<std::size_t> order = {0, 2, 1};
    const KvView view = merged->view(order);
    const auto spans = view.spans();
    REQUIRE(spans.size() == 3);
    REQUIRE(spans[0].position == 0);
    REQUIRE(spans[0].query_shift() == 0);
    REQUIRE(spans[1].position == 10);  // p2 packed right after the prefix
    REQUIRE(spans[1].key_position == 10);
    REQUIRE(spans[2].position == 16);  // p1 packed after p2
    REQUIRE(spans[2].key_position == 10);
    REQUIRE(spans[2].query_shift() == 6);
    REQUIRE(view.next_position() == 20);
    REQUIRE(view.length() == 20);
}

TEST_CASE("a Hogwild view sees a shared segment grow between steps", "[backends_local][kv]") {
    BlockPool pool(small_layout, 32);
    auto common = Segment::create(pool, 0);
    auto alice = Segment::create(pool, 0);  // keys at segment-local positions
    auto bob = Segment::create(pool, 0);
    REQUIRE(common->append(ids(12)).has_value());
    const KvView alice_view({common, bob, alice}, KvView::Placement::packed);
    const KvView bob_view({common, alice, bob}, KvView::Placement::packed);
    REQUIRE(alice->append(ids(3, 50)).has_value());
    REQUIRE(bob->append(ids(5, 60)).has_value());
    auto spans = alice_view.spans();
    REQUIRE(spans[1].position == 12);       // bob's work in progress
    REQUIRE(spans[2].position == 17);       // alice's own, after bob's 5 tokens
    REQUIRE(spans[2].query_shift() == 17);  // stored at 0, placed at 17
    REQUIRE(alice_view.next_position() == 20);
    REQUIRE(bob->append(ids(1, 65)).has_value());
    REQUIRE(alice_view.spans()[2].position == 18);
    REQUIRE(bob_view.spans()[2].position == 15);
    REQUIRE(bob_view.next_position() == 21);
}

TEST_CASE("a second parallel block after a merge starts after the longest earlier path",
          "[backends_local][kv]") {
    BlockPool pool(small_layout, 32);
    KvSequence parent(pool);
    append_and_write(parent, 4, 0);
    KvSequence long_path = parent.fork(ForkMode::new_segment);
    KvSequence short_path = parent.fork(ForkMode::new_segment);
    append_and_write(long_path, 9, 100);
    append_and_write(short_path, 2, 200);
    const std::vector<const KvSequence*> first = {&parent, &long_path, &short_path};
    auto merged = KvSequence::merge(first);  // the shorter path is the last segment
    REQUIRE(merged.has_value());
    REQUIRE(merged->next_position() == 13);

    KvSequence again_a = merged->fork(ForkMode::new_segment);
    KvSequence again_b = merged->fork(ForkMode::new_segment);
    REQUIRE(again_a.append(ids(3, 300))->front().position == 13);
    REQUIRE(again_b.append(ids(1, 400))->front().position == 13);
    const std::vector<const KvSequence*> second = {&*merged, &again_a, &again_b};
    auto merged_again = KvSequence::merge(second);
    REQUIRE(merged_again.has_value());
    REQUIRE(merged_again->next_position() == 16);
    REQUIRE(merged_again->length() == 4 + 9 + 2 + 3 + 1);
}
