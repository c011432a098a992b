#include "search/trial.hpp"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

namespace braid::search {
namespace {

std::vector<std::size_t> flatten(const Config& config) {
    std::vector<std::size_t> key;
    key.reserve(config.size() * 4);
    for (const StageChoice& c : config) {
        key.insert(key.end(), {c.model, c.samples, c.iterations, c.rule});
    }
    return key;
}

bool full_fidelity(const Trial& t) { return t.fidelity >= 1.0; }

}  // namespace

SearchContext::SearchContext(const SearchSpace& space, Evaluator& evaluator, double budget,
                             std::size_t max_trials)
    : space_(space), evaluator_(evaluator), budget_(budget), max_trials_(max_trials) {}

std::optional<Evaluation> SearchContext::evaluate(const Config& config, double fidelity, std::string method) {
    BRAID_ASSERT(space_.valid(config), "evaluate of a config outside the space");
    BRAID_ASSERT(fidelity > 0 && fidelity <= 1, "fidelity in (0, 1]");
    auto key = std::make_pair(flatten(config), fidelity);
    if (auto it = cache_.find(key); it != cache_.end()) return trials_[it->second].result;
    if (exhausted()) return std::nullopt;
    Trial trial;
    trial.number = trials_.size() + 1;
    trial.config = config;
    trial.fidelity = fidelity;
    trial.result = evaluator_.evaluate(config, fidelity);
    trial.feasible = trial.result.cost <= budget_;
    trial.method = std::move(method);
    cache_.emplace(std::move(key), trials_.size());
    trials_.push_back(std::move(trial));
    return trials_.back().result;
}

std::optional<Evaluation> SearchContext::known(const Config& config) const {
    auto it = cache_.find(std::make_pair(flatten(config), 1.0));
    if (it == cache_.end()) return std::nullopt;
    return trials_[it->second].result;
}

std::optional<Trial> SearchContext::best() const {
    const Trial* best = nullptr;
    for (const Trial& t : trials_) {
        if (!t.feasible || !full_fidelity(t)) continue;
        // Strictly better only, so among equals the earlier trial stays.
        if (best == nullptr || t.result.accuracy > best->result.accuracy ||
            (t.result.accuracy == best->result.accuracy && t.result.cost < best->result.cost))
            best = &t;
    }
    if (best == nullptr) return std::nullopt;
    return *best;
}

std::vector<Trial> pareto_front(const std::vector<Trial>& trials) {
    std::vector<Trial> pool;
    std::set<std::vector<std::size_t>> seen;
    for (const Trial& t : trials) {
        if (!t.feasible || !full_fidelity(t)) continue;
        if (!seen.insert(flatten(t.config)).second) continue;  // the first of a duplicated config
        pool.push_back(t);
    }
    std::stable_sort(pool.begin(), pool.end(), [](const Trial& a, const Trial& b) {
        if (a.result.cost != b.result.cost) return a.result.cost < b.result.cost;
        return a.result.accuracy > b.result.accuracy;
    });
    // Cheapest first: a trial survives when it is more accurate than everything cheaper, or ties
    // exactly (accuracy and cost) with the last one kept, which then does not dominate it.
    std::vector<Trial> front;
    for (Trial& t : pool) {
        if (front.empty() || t.result.accuracy > front.back().result.accuracy ||
            (t.result.accuracy == front.back().result.accuracy && t.result.cost == front.back().result.cost))
            front.push_back(std::move(t));
    }
    return front;
}

std::string short_number(double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    return buf;
}

}  // namespace braid::search
