#pragma once
// The one trial interface every search method uses (reference §8c): an Evaluator scores a
// configuration (offline bootstrap over stored samples, a live run of the pipeline, or a synthetic
// pipeline), and a SearchContext counts each evaluation as a trial and keeps the archive, so
// methods are compared by the trials they spend.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "search/search_space.hpp"

namespace braid::search {

struct Evaluation {
    double accuracy = 0;  // expected fraction of dev tasks solved, in [0, 1]
    double cost = 0;      // over the dev tasks evaluated, scaled to the whole dev set, budget unit
};

class Evaluator {
public:
    virtual ~Evaluator() = default;
    // Expected cost of `config` over the whole dev set in the budget's unit, from the cost model:
    // no trial is spent. Methods use it to skip configurations over the budget.
    virtual double cost(const Config& config) const = 0;
    // One trial on a `fidelity` fraction of the dev tasks (1 = all of them; successive halving asks
    // for less). Deterministic for a given config and fidelity. Throws FatalError when the
    // evaluation cannot be made (a live run's backend failing).
    virtual Evaluation evaluate(const Config& config, double fidelity) = 0;
};

struct Trial {
    std::size_t number = 0;  // 1-based order of evaluation
    Config config;
    double fidelity = 1;
    Evaluation result;
    bool feasible = false;   // result.cost within the budget
    std::string method;      // which method (or phase of it) asked, e.g. "greedy:double"
};

class SearchContext {
public:
    // `max_trials` 0 means no limit.
    SearchContext(const SearchSpace& space, Evaluator& evaluator, double budget, std::size_t max_trials);

    const SearchSpace& space() const { return space_; }
    double budget() const { return budget_; }
    double predicted_cost(const Config& config) const { return evaluator_.cost(config); }
    bool affordable(const Config& config) const { return predicted_cost(config) <= budget_; }

    // Evaluates `config` as one trial. The same config at the same fidelity again is served from
    // the archive and not counted. nullopt once the trial limit is reached.
    std::optional<Evaluation> evaluate(const Config& config, double fidelity = 1.0, std::string method = {});
    // A full-fidelity result already in the archive, without spending a trial.
    std::optional<Evaluation> known(const Config& config) const;

    bool exhausted() const { return max_trials_ != 0 && trials_.size() >= max_trials_; }
    std::size_t trials_used() const { return trials_.size(); }
    std::size_t max_trials() const { return max_trials_; }
    const std::vector<Trial>& archive() const { return trials_; }
    // The best feasible full-fidelity trial: highest accuracy, then lower cost, then earlier.
    std::optional<Trial> best() const;

private:
    const SearchSpace& space_;
    Evaluator& evaluator_;
    double budget_;
    std::size_t max_trials_;
    std::vector<Trial> trials_;
    // (config, fidelity) -> position in trials_: repeats are served from here, not re-evaluated.
    std::map<std::pair<std::vector<std::size_t>, double>, std::size_t> cache_;
};

// A score or cost as the search shows it (prompts, tables): 6 significant digits, "%.6g".
std::string short_number(double value);

// The accuracy–cost Pareto front of the feasible full-fidelity trials, cheapest first: a trial is
// on it when no other is at least as accurate and at most as costly with one of them strict.
// Duplicated configurations appear once.
std::vector<Trial> pareto_front(const std::vector<Trial>& trials);

}  // namespace braid::search
