#include "search/task_subsets.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace braid::search {

std::vector<std::size_t> draw_indices(std::size_t size, std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::size_t> out;
    if (size == 0) return out;
    if (n > size) {
        for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::size_t>(rng() % size));
        return out;
    }
    std::vector<std::size_t> pool(size);
    std::iota(pool.begin(), pool.end(), std::size_t{0});
    for (std::size_t i = 0; i < n; ++i) {
        std::size_t j = i + static_cast<std::size_t>(rng() % (size - i));
        std::swap(pool[i], pool[j]);
        out.push_back(pool[i]);
    }
    return out;
}

std::size_t fidelity_count(double fidelity, std::size_t tasks) {
    if (tasks == 0) return 0;
    fidelity = std::clamp(fidelity, 0.0, 1.0);
    const auto count = static_cast<std::size_t>(std::lround(fidelity * static_cast<double>(tasks)));
    return std::clamp<std::size_t>(count, 1, tasks);
}

}  // namespace braid::search
