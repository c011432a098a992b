#include "tasks/countdown/rng.hpp"

#include "core/assert.hpp"

namespace braid::tasks::countdown {

namespace {

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::uint64_t fnv1a64(std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}

Rng::Rng(std::uint64_t seed) {
    // splitmix64 as a stream: consecutive outputs seed the four state words (never all zero).
    std::uint64_t x = seed;
    for (std::uint64_t& word : s_) {
        word = mix64(x);
        x += 0x9e3779b97f4a7c15ULL;
    }
}

std::uint64_t Rng::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t Rng::below(std::uint64_t bound) {
    BRAID_ASSERT(bound > 0, "Rng::below needs a positive bound");
    // Accept only draws from the largest multiple of `bound`, so every residue is equally likely.
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        std::uint64_t r = next();
        if (r >= threshold) return r % bound;
    }
}

std::int64_t Rng::uniform(std::int64_t lo, std::int64_t hi) {
    BRAID_ASSERT(lo <= hi, "Rng::uniform needs lo <= hi");
    const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
    if (span == 0) return static_cast<std::int64_t>(next());  // the full 64-bit range
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + below(span));
}

double Rng::unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

}  // namespace braid::tasks::countdown
