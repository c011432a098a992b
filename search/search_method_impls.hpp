#pragma once
// The search methods behind run_search (search_methods.hpp), one per file, and the sampler of
// affordable configurations that random, halving and tpe share. Internal to search/.

#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "search/search_methods.hpp"

namespace braid::search {

// A config as one flat, ordered key (model, samples, iterations, rule per stage).
std::vector<std::size_t> config_key(const Config& config);

// Uniform affordable configurations without repeats, deterministic for a seed. Spaces of up to
// `enumeration_limit` points are enumerated once and shuffled; larger ones are sampled with
// rejection (gives up after `rejection_attempts` draws in a row that were unaffordable or repeats).
class AffordableSampler {
public:
    AffordableSampler(const SearchContext& context, std::mt19937_64& rng);
    std::optional<Config> next();
    // Marks a config as drawn, so next() does not return it.
    void exclude(const Config& config);

    static constexpr std::size_t enumeration_limit = std::size_t{1} << 20;
    static constexpr std::size_t rejection_attempts = 10000;

private:
    const SearchContext& context_;
    std::mt19937_64& rng_;
    bool enumerated_ = false;
    std::vector<std::size_t> order_;  // enumerated: affordable indices, shuffled
    std::size_t position_ = 0;
    std::set<std::vector<std::size_t>> drawn_;  // config_key of every config drawn
};

void run_grid(SearchContext& context);
void run_random(SearchContext& context, const SearchOptions& options);
void run_halving(SearchContext& context, const SearchOptions& options);
void run_greedy(SearchContext& context, const SearchOptions& options);
void run_tpe(SearchContext& context, const SearchOptions& options);
void run_agent(SearchContext& context, const SearchOptions& options);

}  // namespace braid::search
