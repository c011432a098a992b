#pragma once
// A synthetic multi-stage pipeline with known stage accuracy curves, seeded: the fixture on which
// search methods are measured against the exhaustive optimum (tests and bench/budget_search).
// Not a model and not a run: an Evaluator whose accuracy is a closed-form function of the config.
//
// Each stage s with model m has a quality curve that rises with samples and iterations and
// saturates (insight 2: a per-stage optimal budget), models differ per stage in quality and unit
// cost (insight 1), and a stage's curve depends on the upstream stage's sample count (insight 3:
// more upstream candidates need more downstream verification). Evaluations add seeded noise that
// shrinks with fidelity; true_accuracy is noise-free.

#include <cstdint>
#include <vector>

#include "search/trial.hpp"

namespace braid::search {

struct SyntheticOptions {
    std::size_t stages = 3;
    std::size_t models = 3;
    std::vector<int> samples = {1, 2, 4, 8, 16, 32, 64};
    std::vector<int> iterations = {1, 2};
    std::size_t rules = 1;          // rules per stage (a rule shifts the curve a little)
    double noise = 0.0;             // std-dev of an evaluation's noise at fidelity 1
    std::size_t dev_tasks = 200;    // evaluations at fidelity f see round(f · dev_tasks) tasks
    std::uint64_t seed = 1;
};

class SyntheticPipeline final : public Evaluator {
public:
    explicit SyntheticPipeline(SyntheticOptions options);

    const SearchSpace& space() const { return space_; }
    // A budget under which the optimum is interior (neither the cheapest nor the dearest config).
    double default_budget() const { return default_budget_; }
    double true_accuracy(const Config& config) const;

    double cost(const Config& config) const override;
    Evaluation evaluate(const Config& config, double fidelity) override;

private:
    SyntheticOptions options_;
    SearchSpace space_;
    double default_budget_ = 0;
    struct Curve {
        double ceiling = 0;     // accuracy the stage reaches with unlimited samples
        double base = 0;        // one-sample quality
        double rate = 0;        // how fast samples help
        double unit_cost = 0;   // one sample, one iteration
        double iteration_gain = 0;
    };
    std::vector<std::vector<Curve>> curves_;  // [stage][model]
    std::vector<std::vector<double>> rule_shift_;  // [stage][rule]
    std::vector<double> decline_;  // [stage]: quality lost per doubling past 16 effective samples
};

}  // namespace braid::search
