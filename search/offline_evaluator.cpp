#include "search/offline_evaluator.hpp"

#include <algorithm>
#include <cmath>

#include "core/hash.hpp"
#include "search/task_subsets.hpp"
#include "verifiers/evaluation.hpp"
#include "verifiers/selection.hpp"

namespace braid::search {

namespace {

using search::StageKind;

[[noreturn]] void fail(std::string message) { throw FatalError(make_error(ErrorCode::invalid_input, std::move(message))); }

}  // namespace

OfflineEvaluator::OfflineEvaluator(const PipelineSamples& samples, const SearchSpace& space, OfflineOptions options)
    : samples_(samples), space_(space), options_(options) {
    const auto& stages = samples_.spec.stages;
    if (space_.stages().size() != stages.size()) fail("offline search: the search space does not match the recorded pipeline");
    std::size_t selects = 0;
    for (std::size_t s = 0; s < stages.size(); ++s)
        if (stages[s].kind == StageKind::select) {
            select_ = s;
            ++selects;
        }
    if (selects != 1) fail("offline search needs exactly one select stage (the pipeline has " + std::to_string(selects) + ")");
    generate_ = stages.size();
    for (const std::string& in : stages[select_].inputs) {
        std::size_t i = samples_.spec.stage_index(in);
        if (stages[i].kind == StageKind::generate) generate_ = i;
        if (stages[i].kind == StageKind::verify) verify_.push_back(i);
    }
    if (generate_ == stages.size()) fail("offline search: select stage '" + stages[select_].name + "' has no generate input");
    for (std::size_t s = 0; s < stages.size(); ++s)
        if (s != select_ && s != generate_ && std::find(verify_.begin(), verify_.end(), s) == verify_.end())
            fail("offline search supports one generate -> verify -> select chain; stage '" + stages[s].name +
                 "' is not part of it");
    if (options_.draws == 0) fail("--draws: must be at least 1");

    // Every choice of the space must have samples on every task.
    const StageAxes& gen = space_.stages()[generate_];
    for (const TaskSamples& t : samples_.tasks) {
        for (const std::string& m : gen.models)
            for (int it : gen.iterations) {
                auto found = t.generated.find(generated_key(stages[generate_].name, m, it));
                if (found == t.generated.end() || found->second.empty())
                    fail("record run " + std::to_string(samples_.run.value) + " has no samples of stage '" +
                         stages[generate_].name + "' with model '" + m + "' and " + std::to_string(it) +
                         " iterations on task '" + t.task_id + "'; record again with these choices");
            }
        // A task whose candidates have no answer has nothing to judge: no verdicts is no gap.
        bool answered = false;
        for (const auto& [name, pool] : t.generated)
            for (const StoredSample& s : pool) answered = answered || !s.key.empty();
        if (!answered) continue;
        for (std::size_t v : verify_) {
            const StageAxes& ax = space_.stages()[v];
            bool needed = std::any_of(ax.samples.begin(), ax.samples.end(), [](int n) { return n > 0; });
            if (!needed) continue;
            for (const std::string& m : ax.models)
                if (t.judged.find(judged_key(stages[v].name, m)) == t.judged.end())
                    fail("record run " + std::to_string(samples_.run.value) + " has no verdicts of stage '" +
                         stages[v].name + "' with model '" + m + "' on task '" + t.task_id + "'");
        }
    }
    if (samples_.tasks.empty()) fail("record run " + std::to_string(samples_.run.value) + " has no tasks");
    order_ = draw_indices(samples_.tasks.size(), samples_.tasks.size(), derive_seed(options_.seed, "fidelity-order"));
}

OfflineEvaluator::Draw OfflineEvaluator::draw(const TaskSamples& task, const Config& config, std::size_t d,
                                              bool score) const {
    const auto& stages = samples_.spec.stages;
    const BudgetUnit unit = options_.unit;
    const bool wall = unit == BudgetUnit::wall_s;
    const std::string base = task.task_id + "/" + std::to_string(d);

    const std::string& model = space_.model(config, generate_);
    const int n = space_.samples(config, generate_);
    const auto& pool = task.generated.at(generated_key(stages[generate_].name, model, space_.iterations(config, generate_)));
    std::vector<std::size_t> picked =
        draw_indices(pool.size(), static_cast<std::size_t>(n), derive_seed(options_.seed, base + "/g"));

    Draw out;
    double generate_cost = 0;
    std::vector<verifiers::Candidate> candidates;
    for (std::size_t i : picked) {
        const StoredSample& s = pool[i];
        generate_cost = wall ? std::max(generate_cost, s.cost[unit]) : generate_cost + s.cost[unit];
        if (!score) continue;
        verifiers::Candidate c;
        c.node = NodeId{static_cast<std::int64_t>(candidates.size() + 1)};
        c.normalized = s.key;
        c.completion_tokens = s.completion_tokens;
        c.scores = s.scores;
        candidates.push_back(std::move(c));
    }
    out.cost = generate_cost;

    for (std::size_t v : verify_) {
        const int calls = space_.samples(config, v);
        if (calls <= 0) continue;
        const std::string& judge = space_.model(config, v);
        static const std::map<std::string, StoredJudgement> none;
        auto found = task.judged.find(judged_key(stages[v].name, judge));
        const auto& judged = found == task.judged.end() ? none : found->second;
        std::map<std::string, double> key_score;
        double stage_cost = 0;
        for (std::size_t i : picked) {
            const std::string& key = pool[i].key;
            if (key_score.count(key)) continue;
            auto j = judged.find(key);
            if (j == judged.end()) {  // a key the record did not judge (no answer): no verdict
                key_score[key] = std::nan("");
                continue;
            }
            const StoredJudgement& jm = j->second;
            double value = jm.score;
            int made = 1;
            if (!jm.logprobs && !jm.verdicts.empty()) {
                std::vector<std::size_t> vi = draw_indices(jm.verdicts.size(), static_cast<std::size_t>(calls),
                                                           derive_seed(options_.seed, base + "/" + stages[v].name + "/" + key));
                double sum = 0;
                for (std::size_t k : vi) sum += jm.verdicts[k];
                value = sum / static_cast<double>(vi.size());
                made = calls;
            }
            key_score[key] = value;
            const double call_cost = jm.cost_per_call[unit];
            stage_cost = wall ? std::max(stage_cost, call_cost) : stage_cost + call_cost * made;
        }
        out.cost += stage_cost;
        if (!score) continue;
        for (verifiers::Candidate& c : candidates) {
            double value = key_score[c.normalized];
            if (std::isnan(value)) continue;
            // As a configuration run stores them: the first verify stage as "judge", others by name.
            c.scores[v == verify_.front() ? std::string("judge") : stages[v].name] = value;
        }
    }
    if (!score) return out;
    auto selection = verifiers::select_by_rule(space_.rule(config, select_), candidates);
    if (!selection) fail("select stage '" + stages[select_].name + "': " + selection.error().message);
    out.accuracy = verifiers::expected_accuracy(*selection, candidates);
    return out;
}

Evaluation OfflineEvaluator::average(const std::vector<std::size_t>& tasks, const Config& config, bool score) const {
    Evaluation e;
    double draws = 0;
    for (std::size_t t : tasks)
        for (std::size_t d = 0; d < options_.draws; ++d) {
            Draw x = draw(samples_.tasks[t], config, d, score);
            e.accuracy += x.accuracy;
            e.cost += x.cost;
            draws += 1;
        }
    if (draws > 0) {
        e.accuracy /= draws;
        e.cost = e.cost / draws * static_cast<double>(samples_.tasks.size());
    }
    return e;
}

double OfflineEvaluator::cost(const Config& config) const {
    const std::size_t index = space_.index_of(config);
    if (auto it = cost_cache_.find(index); it != cost_cache_.end()) return it->second;
    double c = average(order_, config, false).cost;
    cost_cache_[index] = c;
    return c;
}

Evaluation OfflineEvaluator::evaluate(const Config& config, double fidelity) {
    const std::size_t count = fidelity_count(fidelity, order_.size());
    std::vector<std::size_t> tasks(order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(count));
    return average(tasks, config, true);
}

}  // namespace braid::search
