#include "search/synthetic_pipeline.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <utility>

namespace braid::search {
namespace {

constexpr double budget_quantile = 0.35;        // default budget: this quantile of the grid's costs
constexpr std::size_t budget_sample = 20000;    // configs costed for it when the grid is larger
constexpr double upstream_dilution = 0.15;      // insight 3: rate / (1 + this · log2 n_upstream)
constexpr double upstream_cost_share = 0.05;    // downstream cost × (1 + this · (n_upstream − 1))
constexpr double model_cost_step = 3.0;         // each model tier costs about this much more
constexpr double max_quality = 0.995;

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finaliser
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

double unit_interval(std::uint64_t x) { return static_cast<double>(mix(x) >> 11) * 0x1.0p-53; }

std::vector<StageAxes> make_axes(const SyntheticOptions& o) {
    std::vector<StageAxes> stages;
    for (std::size_t k = 0; k < o.stages; ++k) {
        StageAxes s;
        s.name = "stage" + std::to_string(k);
        for (std::size_t m = 0; m < o.models; ++m) s.models.push_back("m" + std::to_string(m));
        s.samples = o.samples;
        s.iterations = o.iterations;
        for (std::size_t r = 0; r < o.rules; ++r) s.rules.push_back("r" + std::to_string(r));
        stages.push_back(std::move(s));
    }
    return stages;
}

}  // namespace

SyntheticPipeline::SyntheticPipeline(SyntheticOptions options)
    : options_(std::move(options)), space_(make_axes(options_)) {
    BRAID_ASSERT(options_.stages > 0 && options_.models > 0 && options_.rules > 0, "a non-empty pipeline");
    std::mt19937_64 rng(options_.seed);
    auto uniform = [&rng](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
    curves_.resize(options_.stages);
    rule_shift_.resize(options_.stages);
    for (std::size_t k = 0; k < options_.stages; ++k) {
        const double stage_scale = uniform(0.5, 2.0);
        for (std::size_t m = 0; m < options_.models; ++m) {
            // Dearer models start higher, but not always end higher: per stage either a small
            // model with many samples or a large one with few can win (insight 1).
            Curve c;
            const double tier = static_cast<double>(m);
            c.base = std::min(0.9, uniform(0.15, 0.45) + 0.15 * tier * uniform(0.5, 1.5));
            c.ceiling = std::min(max_quality, c.base + uniform(0.15, 0.5));
            c.rate = uniform(0.1, 0.6);
            c.unit_cost = std::pow(model_cost_step, tier) * uniform(0.7, 1.4) * stage_scale;
            c.iteration_gain = uniform(0.1, 0.8);
            curves_[k].push_back(c);
        }
        for (std::size_t r = 0; r < options_.rules; ++r) rule_shift_[k].push_back(r == 0 ? 0.0 : uniform(-0.03, 0.03));
    }
    // Insight 2: on some stages quality declines a little past a sample threshold.
    decline_.resize(options_.stages);
    for (std::size_t k = 0; k < options_.stages; ++k) {
        decline_[k] = uniform(0, 1) < 0.5 ? uniform(0.005, 0.02) : 0.0;
    }

    std::vector<double> costs;
    const std::size_t size = space_.size();
    if (size <= budget_sample) {
        for (std::size_t i = 0; i < size; ++i) costs.push_back(cost(space_.at(i)));
    } else {
        for (std::size_t i = 0; i < budget_sample; ++i) {
            costs.push_back(cost(space_.at(static_cast<std::size_t>(unit_interval(options_.seed ^ i) *
                                                                    static_cast<double>(size)))));
        }
    }
    std::sort(costs.begin(), costs.end());
    default_budget_ = costs[static_cast<std::size_t>(budget_quantile * static_cast<double>(costs.size() - 1))];
}

double SyntheticPipeline::true_accuracy(const Config& config) const {
    BRAID_ASSERT(space_.valid(config), "config outside the synthetic space");
    double accuracy = 1;
    for (std::size_t k = 0; k < config.size(); ++k) {
        const Curve& c = curves_[k][config[k].model];
        const double n = space_.samples(config, k);
        const double t = space_.iterations(config, k);
        double rate = c.rate;
        if (k > 0) rate /= 1 + upstream_dilution * std::log2(std::max(1, space_.samples(config, k - 1)));
        // Iterations multiply the effective samples and lift the ceiling a little.
        const double n_eff = n * (1 + c.iteration_gain * (t - 1));
        const double ceiling = std::min(max_quality, c.ceiling + rule_shift_[k][config[k].rule] +
                                                        (1 - c.ceiling) * 0.3 * c.iteration_gain * (t - 1));
        double q = ceiling - (ceiling - c.base) * std::exp(-rate * (n_eff - 1));
        // Past 16 effective samples, a declining stage loses a little per doubling.
        if (n_eff > 16) q -= decline_[k] * std::log2(n_eff / 16);
        accuracy *= std::clamp(q, 0.01, 1.0);
    }
    return accuracy;
}

double SyntheticPipeline::cost(const Config& config) const {
    double total = 0;
    for (std::size_t k = 0; k < config.size(); ++k) {
        const double n = space_.samples(config, k);
        const double t = space_.iterations(config, k);
        double stage = n * t * curves_[k][config[k].model].unit_cost;
        if (k > 0) stage *= 1 + upstream_cost_share * (space_.samples(config, k - 1) - 1);
        total += stage;
    }
    return total;
}

Evaluation SyntheticPipeline::evaluate(const Config& config, double fidelity) {
    const double truth = true_accuracy(config);
    const double tasks = std::max(1.0, std::round(fidelity * static_cast<double>(options_.dev_tasks)));
    const double sd = options_.noise * std::sqrt(static_cast<double>(options_.dev_tasks) / tasks);
    // Box–Muller from a hash of (seed, config, fidelity): the same evaluation gives the same noise.
    const std::uint64_t key = mix(options_.seed ^ mix(space_.index_of(config)) ^ mix(std::bit_cast<std::uint64_t>(fidelity)));
    const double u1 = std::max(unit_interval(key), 1e-300);
    const double u2 = unit_interval(key + 1);
    const double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
    return Evaluation{std::clamp(truth + sd * z, 0.0, 1.0), cost(config)};
}

}  // namespace braid::search
