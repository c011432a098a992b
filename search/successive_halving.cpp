// Successive halving: a random pool on 1/8 of the dev tasks; each round keeps the more accurate
// half and doubles the fidelity, so the last round's survivors are measured on the whole dev set.
#include <algorithm>
#include <utility>

#include "search/search_method_impls.hpp"

namespace braid::search {
namespace {

constexpr std::size_t max_rounds = 4;             // fidelities 1/8, 1/4, 1/2, 1
constexpr std::size_t unlimited_pool = 64;        // the pool when the context has no trial limit

// Trials a pool of `n` spends over `rounds` rounds (each round keeps ceil(half)).
std::size_t halving_cost(std::size_t n, std::size_t rounds) {
    std::size_t total = 0;
    for (std::size_t r = 0; r < rounds && n > 0; ++r) {
        total += n;
        n = (n + 1) / 2;
    }
    return total;
}

}  // namespace

void run_halving(SearchContext& context, const SearchOptions& options) {
    const std::size_t limit = context.max_trials() == 0 ? halving_cost(unlimited_pool, max_rounds)
                                                        : context.max_trials() - context.trials_used();
    // As many rounds as the limit allows a pool that halves down to at least one survivor.
    std::size_t rounds = max_rounds;
    while (rounds > 1 && halving_cost(std::size_t{1} << (rounds - 1), rounds) > limit) --rounds;
    std::size_t pool_size = limit;
    while (pool_size > 1 && halving_cost(pool_size, rounds) > limit) --pool_size;

    std::mt19937_64 rng(options.seed);
    AffordableSampler sampler(context, rng);
    std::vector<Config> pool;
    while (pool.size() < pool_size) {
        auto c = sampler.next();
        if (!c) break;
        pool.push_back(std::move(*c));
    }
    double fidelity = 1.0 / static_cast<double>(std::size_t{1} << (rounds - 1));
    for (std::size_t round = 0; round < rounds && !pool.empty(); ++round) {
        std::vector<std::pair<double, std::size_t>> scored;  // (accuracy, position in pool)
        for (std::size_t i = 0; i < pool.size(); ++i) {
            auto e = context.evaluate(pool[i], fidelity, "halving:" + std::to_string(round));
            if (!e) return;  // the trial limit
            scored.emplace_back(e->accuracy, i);
        }
        if (round + 1 == rounds) break;
        // More accurate first; ties keep pool order, so the result is deterministic.
        std::stable_sort(scored.begin(), scored.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        std::vector<Config> kept;
        for (std::size_t i = 0; i < (pool.size() + 1) / 2; ++i) kept.push_back(pool[scored[i].second]);
        pool = std::move(kept);
        fidelity = std::min(1.0, fidelity * 2);
    }
}

}  // namespace braid::search
