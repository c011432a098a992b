#pragma once
// A small portable PRNG for the Countdown generator and the symbolic searches: splitmix64 expands
// the seed, xoshiro256** draws. Every draw (bounded integers, coin flips, shuffles) is defined here
// rather than through <random> distributions, whose output differs between standard libraries, so
// a seed gives the same problems and traces on every platform.

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace braid::tasks::countdown {

class Rng {
public:
    explicit Rng(std::uint64_t seed);

    std::uint64_t next();
    // Uniform in [0, bound); bound must be positive. Rejection sampling, no modulo bias.
    std::uint64_t below(std::uint64_t bound);
    // Uniform in [lo, hi], both inclusive; lo <= hi.
    std::int64_t uniform(std::int64_t lo, std::int64_t hi);
    // Uniform in [0, 1) with 53 random bits.
    double unit();
    // True with probability p.
    bool chance(double p) { return unit() < p; }

    template <class T>
    void shuffle(std::vector<T>& items) {
        for (std::size_t i = items.size(); i > 1; --i) {
            std::size_t j = static_cast<std::size_t>(below(i));
            std::swap(items[i - 1], items[j]);
        }
    }

private:
    std::uint64_t s_[4];
};

// One splitmix64 step: a well-mixed 64-bit function of `x`.
std::uint64_t mix64(std::uint64_t x);
// FNV-1a 64 of `text`, for folding a prompt into a seed (stable across platforms).
std::uint64_t fnv1a64(std::string_view text);

}  // namespace braid::tasks::countdown
