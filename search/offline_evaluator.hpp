#pragma once
// Offline evaluation of a pipeline configuration (reference §8c "estimated by replay"): for every
// dev task, `draws` bootstrap draws resample the stored samples of the configuration's generate
// model and iteration cap (n of them: without replacement when the record holds n or more, else
// with), resample each drawn key's stored judge verdicts (the verify stage's n), apply the select
// stage's rule and score the pick by its expected correctness over ties. No model is called.
//
// Draws use common random numbers: the stream of task t's draw d depends on the seed, t and d only,
// so a configuration with more samples sees a superset of a smaller one's, and comparisons
// between configurations are not swamped by resampling noise. Same seed, same numbers.
//
// Cost of a draw, in the budget's unit: the drawn samples' stored cost plus, per distinct key, the
// verify stage's calls (n sampled verdicts, or one call for a logprob judge) at the key's stored
// per-call cost; wall_s takes the slowest sample plus the slowest judgement (parallel within a
// stage, stages in sequence). cost() is the mean over the same draws, scaled to every dev task.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/budget.hpp"
#include "search/pipeline_samples.hpp"
#include "search/trial.hpp"

namespace braid::search {

struct OfflineOptions {
    std::size_t draws = 200;
    std::uint64_t seed = 0;
    BudgetUnit unit = BudgetUnit::usd;
};

class OfflineEvaluator final : public Evaluator {
public:
    // `space` must be SearchSpace::from_pipeline(samples.spec) (or a space over the same stages).
    // Throws FatalError (invalid_input) when the pipeline is not one generate → verify* → select
    // chain, or when the record lacks samples for a choice of the space on some task (naming the
    // stage, model and task: record again with those choices).
    OfflineEvaluator(const PipelineSamples& samples, const SearchSpace& space, OfflineOptions options);

    double cost(const Config& config) const override;
    Evaluation evaluate(const Config& config, double fidelity) override;

private:
    struct Draw {
        double accuracy = 0;
        double cost = 0;
    };
    Draw draw(const TaskSamples& task, const Config& config, std::size_t d, bool score) const;
    // Mean accuracy and per-task cost over `tasks` (indices into samples_.tasks).
    Evaluation average(const std::vector<std::size_t>& tasks, const Config& config, bool score) const;

    const PipelineSamples& samples_;
    const SearchSpace& space_;
    OfflineOptions options_;
    std::size_t generate_ = 0;         // stage indices of the chain
    std::vector<std::size_t> verify_;
    std::size_t select_ = 0;
    std::vector<std::size_t> order_;   // tasks in the seeded order fidelity subsets take
    mutable std::map<std::size_t, double> cost_cache_;
};

}  // namespace braid::search
