// Tree-structured Parzen estimator over the per-stage choice indices: after a random start, the
// full-fidelity trials are split at the γ accuracy quantile into good and bad; each axis of each
// stage gets a Laplace-smoothed categorical density for both; candidates are drawn from the good
// densities and the one with the largest l(x)/g(x) is evaluated.
#include <algorithm>
#include <cmath>
#include <limits>

#include "search/search_method_impls.hpp"

namespace braid::search {
namespace {

constexpr double good_quantile = 0.25;         // γ
constexpr std::size_t candidates_per_step = 24;
constexpr std::size_t draw_attempts_per_candidate = 20;
constexpr std::size_t min_start_trials = 10;
constexpr double start_fraction = 0.2;         // of the trial limit, when above min_start_trials
constexpr std::size_t unlimited_trials = 200;  // the method's own stop when the context has none
constexpr std::size_t axes = 4;                // model, samples, iterations, rule

std::size_t& axis_of(StageChoice& c, std::size_t axis) {
    switch (axis) {
        case 0: return c.model;
        case 1: return c.samples;
        case 2: return c.iterations;
        default: return c.rule;
    }
}

std::size_t axis_size(const StageAxes& s, std::size_t axis) {
    switch (axis) {
        case 0: return s.models.size();
        case 1: return s.samples.size();
        case 2: return s.iterations.size();
        default: return s.rules.size();
    }
}

// density[stage][axis][choice], Laplace-smoothed.
using Densities = std::vector<std::vector<std::vector<double>>>;

Densities densities(const SearchSpace& space, const std::vector<Config>& configs) {
    Densities d(space.stages().size());
    for (std::size_t k = 0; k < d.size(); ++k) {
        d[k].resize(axes);
        for (std::size_t a = 0; a < axes; ++a) {
            const std::size_t n = axis_size(space.stages()[k], a);
            std::vector<double> counts(n, 1.0);
            for (Config c : configs) counts[axis_of(c[k], a)] += 1.0;
            const double total = static_cast<double>(configs.size() + n);
            for (double& x : counts) x /= total;
            d[k][a] = std::move(counts);
        }
    }
    return d;
}

double log_density(const Densities& d, Config c) {
    double sum = 0;
    for (std::size_t k = 0; k < c.size(); ++k)
        for (std::size_t a = 0; a < axes; ++a) sum += std::log(d[k][a][axis_of(c[k], a)]);
    return sum;
}

Config draw(const Densities& d, std::mt19937_64& rng) {
    Config c(d.size());
    for (std::size_t k = 0; k < d.size(); ++k)
        for (std::size_t a = 0; a < axes; ++a) {
            std::discrete_distribution<std::size_t> pick(d[k][a].begin(), d[k][a].end());
            axis_of(c[k], a) = pick(rng);
        }
    return c;
}

}  // namespace

void run_tpe(SearchContext& context, const SearchOptions& options) {
    const std::size_t start_used = context.trials_used();
    const std::size_t limit = context.max_trials() == 0 ? unlimited_trials : context.max_trials() - start_used;
    const std::size_t n_start = std::min(
        limit, std::max(min_start_trials, static_cast<std::size_t>(start_fraction * static_cast<double>(limit))));
    std::mt19937_64 rng(options.seed);
    AffordableSampler sampler(context, rng);
    std::vector<std::pair<double, Config>> seen;  // this method's full-fidelity trials
    auto spend = [&](const Config& c, const char* tag) {
        sampler.exclude(c);
        auto e = context.evaluate(c, 1.0, tag);
        if (e) seen.emplace_back(e->accuracy, c);
        return e.has_value();
    };
    while (seen.size() < n_start) {
        auto c = sampler.next();
        if (!c || !spend(*c, "tpe:start")) return;
    }
    while (context.trials_used() - start_used < limit && !context.exhausted()) {
        std::vector<std::pair<double, Config>> ranked = seen;
        std::stable_sort(ranked.begin(), ranked.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        const auto n_good = std::max<std::size_t>(
            1, static_cast<std::size_t>(std::ceil(good_quantile * static_cast<double>(ranked.size()))));
        std::vector<Config> good, bad;
        for (std::size_t i = 0; i < ranked.size(); ++i) (i < n_good ? good : bad).push_back(ranked[i].second);
        const Densities l = densities(context.space(), good);
        const Densities g = densities(context.space(), bad);

        std::optional<Config> best;
        double best_score = -std::numeric_limits<double>::infinity();
        std::size_t drawn = 0;
        for (std::size_t attempt = 0; attempt < candidates_per_step * draw_attempts_per_candidate &&
                                      drawn < candidates_per_step;
             ++attempt) {
            Config c = draw(l, rng);
            if (!context.affordable(c) || context.known(c)) continue;
            ++drawn;
            const double score = log_density(l, c) - log_density(g, c);
            if (score > best_score) {
                best_score = score;
                best = std::move(c);
            }
        }
        if (!best) best = sampler.next();  // the good region is used up: explore at random
        if (!best || !spend(*best, "tpe")) return;
    }
}

}  // namespace braid::search
