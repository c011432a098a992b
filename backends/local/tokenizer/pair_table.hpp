#pragma once
// PairTable: (left id, right id) -> (rank, merged id) for the BPE merge loop, an open-addressing
// hash table in one flat array (linear probing, load <= 1/2), so a lookup is about one cache miss.
// Built once, then read-only.

#include <cstdint>
#include <vector>

namespace braid::backends::local {

class PairTable {
public:
    struct Merge {
        std::uint32_t rank;
        std::int32_t result;
    };

    // Expected number of pairs; inserting more is allowed (the table grows).
    void reserve(std::size_t num_pairs);
    // Keeps the first value inserted for a pair (the lowest rank when inserted in rank order).
    void insert(std::int32_t left, std::int32_t right, Merge merge);
    const Merge* find(std::int32_t left, std::int32_t right) const {
        if (slots_.empty()) return nullptr;
        const std::uint64_t key = make_key(left, right);
        for (std::size_t i = slot_of(key);; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.key == key) return &s.merge;
            if (s.key == empty_key) return nullptr;
        }
    }
    std::size_t size() const { return size_; }

private:
    struct Slot {
        std::uint64_t key;
        Merge merge;
    };
    static constexpr std::uint64_t empty_key = ~std::uint64_t{0};  // ids are >= 0, so never a key
    static std::uint64_t make_key(std::int32_t left, std::int32_t right) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) | static_cast<std::uint32_t>(right);
    }
    std::size_t slot_of(std::uint64_t key) const {
        key ^= key >> 33;  // murmur3's finaliser
        key *= 0xff51afd7ed558ccdULL;
        key ^= key >> 33;
        return static_cast<std::size_t>(key) & mask_;
    }
    void rehash(std::size_t capacity);

    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    std::size_t size_ = 0;
};

}  // namespace braid::backends::local
