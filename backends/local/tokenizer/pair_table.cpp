#include "backends/local/tokenizer/pair_table.hpp"

namespace braid::backends::local {

void PairTable::reserve(std::size_t num_pairs) {
    std::size_t capacity = 16;
    while (capacity < num_pairs * 2) capacity *= 2;
    if (capacity > slots_.size()) rehash(capacity);
}

void PairTable::rehash(std::size_t capacity) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{empty_key, {}});
    mask_ = capacity - 1;
    size_ = 0;
    for (const Slot& s : old)
        if (s.key != empty_key)
            insert(static_cast<std::int32_t>(s.key >> 32), static_cast<std::int32_t>(s.key & 0xFFFFFFFFu), s.merge);
}

void PairTable::insert(std::int32_t left, std::int32_t right, Merge merge) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const std::uint64_t key = make_key(left, right);
    for (std::size_t i = slot_of(key);; i = (i + 1) & mask_) {
        Slot& s = slots_[i];
        if (s.key == key) return;
        if (s.key == empty_key) {
            s = {key, merge};
            ++size_;
            return;
        }
    }
}

}  // namespace braid::backends::local
