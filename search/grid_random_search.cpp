// grid: every affordable point in index order. random: uniform affordable points, no repeats.
#include <algorithm>

#include "search/search_method_impls.hpp"

namespace braid::search {
std::vector<std::size_t> config_key(const Config& config) {
    std::vector<std::size_t> key;
    key.reserve(config.size() * 4);
    for (const StageChoice& c : config) key.insert(key.end(), {c.model, c.samples, c.iterations, c.rule});
    return key;
}

AffordableSampler::AffordableSampler(const SearchContext& context, std::mt19937_64& rng)
    : context_(context), rng_(rng) {
    const std::size_t size = context.space().size();
    if (size > enumeration_limit) return;
    enumerated_ = true;
    for (std::size_t i = 0; i < size; ++i) {
        if (context.affordable(context.space().at(i))) order_.push_back(i);
    }
    std::shuffle(order_.begin(), order_.end(), rng_);
}

std::optional<Config> AffordableSampler::next() {
    if (enumerated_) {
        while (position_ < order_.size()) {
            Config c = context_.space().at(order_[position_++]);
            if (drawn_.insert(config_key(c)).second) return c;
        }
        return std::nullopt;
    }
    const auto& stages = context_.space().stages();
    for (std::size_t attempt = 0; attempt < rejection_attempts; ++attempt) {
        Config c(stages.size());
        for (std::size_t k = 0; k < stages.size(); ++k) {
            c[k].model = std::uniform_int_distribution<std::size_t>(0, stages[k].models.size() - 1)(rng_);
            c[k].samples = std::uniform_int_distribution<std::size_t>(0, stages[k].samples.size() - 1)(rng_);
            c[k].iterations = std::uniform_int_distribution<std::size_t>(0, stages[k].iterations.size() - 1)(rng_);
            c[k].rule = std::uniform_int_distribution<std::size_t>(0, stages[k].rules.size() - 1)(rng_);
        }
        if (!context_.affordable(c) || drawn_.count(config_key(c)) != 0) continue;
        drawn_.insert(config_key(c));
        return c;
    }
    return std::nullopt;
}

void AffordableSampler::exclude(const Config& config) { drawn_.insert(config_key(config)); }

void run_grid(SearchContext& context) {
    const std::size_t size = context.space().size();
    for (std::size_t i = 0; i < size && !context.exhausted(); ++i) {
        Config c = context.space().at(i);
        if (context.affordable(c)) context.evaluate(c, 1.0, "grid");
    }
}

void run_random(SearchContext& context, const SearchOptions& options) {
    std::mt19937_64 rng(options.seed);
    AffordableSampler sampler(context, rng);
    while (!context.exhausted()) {
        auto c = sampler.next();
        if (!c) break;
        context.evaluate(*c, 1.0, "random");
    }
}

}  // namespace braid::search
