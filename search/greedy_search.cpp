// Insight-guided greedy with coordinate refinement (reference §8c):
//   1. profile: each stage × model at one sample, the other stages at the cheapest default;
//      each stage takes the model whose accuracy per cost is best (insight 1);
//   2. greedy: for every stage not yet saturated, try "double the samples", "one more iteration",
//      "switch model" and "change rule"; apply the affordable move with the best Δaccuracy/Δcost
//      (a move that gains and costs nothing first); a stage whose best move gains < ε saturates
//      (insight 2);
//   3. refinement: re-optimise one stage at a time over its whole local axis set, the others
//      fixed, then move budget between pairs of stages (one stage a step cheaper, another
//      re-optimised with what that frees: insight 3), until a pass changes nothing.
// Every evaluation goes through the SearchContext, so repeats cost no trial.
#include <algorithm>
#include <limits>

#include "search/search_method_impls.hpp"

namespace braid::search {
namespace {

constexpr std::size_t max_refinement_passes = 50;  // a guard; passes stop when nothing changes

struct Point {
    Config config;
    double accuracy = 0;
    double cost = 0;
};

class Greedy {
public:
    Greedy(SearchContext& context, double epsilon) : context_(context), epsilon_(epsilon) {}

    void run() {
        if (!start()) return;
        profile();
        allocate();
        refine();
    }

private:
    // Evaluates an affordable config; nullopt when unaffordable or the trial limit is reached.
    std::optional<Point> try_config(const Config& c, const char* tag) {
        if (!context_.affordable(c)) return std::nullopt;
        auto e = context_.evaluate(c, 1.0, tag);
        if (!e) return std::nullopt;
        return Point{c, e->accuracy, context_.predicted_cost(c)};
    }

    // Better: more accurate, then cheaper.
    static bool better(const Point& a, const Point& b) {
        return a.accuracy > b.accuracy || (a.accuracy == b.accuracy && a.cost < b.cost);
    }

    // Default: every stage at its first samples, iterations and rule, with its cheapest model.
    bool start() {
        const auto& stages = context_.space().stages();
        Config c(stages.size());
        for (std::size_t k = 0; k < stages.size(); ++k) {
            double cheapest = std::numeric_limits<double>::infinity();
            for (std::size_t m = 0; m < stages[k].models.size(); ++m) {
                Config trial = c;
                trial[k].model = m;
                const double cost = context_.predicted_cost(trial);
                if (cost < cheapest) {
                    cheapest = cost;
                    c[k].model = m;
                }
            }
        }
        auto p = try_config(c, "greedy:default");
        if (!p) return false;
        current_ = *p;
        return true;
    }

    // Insight 1: a dearer model wins a stage when its extra accuracy per extra cost is at least
    // the accuracy per cost of the cheaper one held so far.
    void profile() {
        const auto& stages = context_.space().stages();
        Config chosen = current_.config;
        for (std::size_t k = 0; k < stages.size(); ++k) {
            std::vector<Point> points;
            for (std::size_t m = 0; m < stages[k].models.size(); ++m) {
                Config c = current_.config;
                c[k].model = m;
                if (auto p = try_config(c, "greedy:profile")) points.push_back(*p);
                if (context_.exhausted()) return;
            }
            std::stable_sort(points.begin(), points.end(),
                             [](const Point& a, const Point& b) { return a.cost < b.cost; });
            if (points.empty()) continue;
            const Point* pick = &points.front();
            for (const Point& p : points) {
                if (&p == pick || p.accuracy <= pick->accuracy) continue;
                const double extra = (p.accuracy - pick->accuracy) / std::max(p.cost - pick->cost, 1e-12);
                if (pick->cost <= 0 || extra >= pick->accuracy / pick->cost) pick = &p;
            }
            chosen[k].model = pick->config[k].model;
        }
        if (auto p = try_config(chosen, "greedy:profile"); p && better(*p, current_)) current_ = *p;
    }

    // The moves of stage k from the current config.
    std::vector<Config> moves(std::size_t k) const {
        const StageAxes& s = context_.space().stages()[k];
        const Config& cur = current_.config;
        std::vector<Config> out;
        auto with = [&](auto change) {
            Config c = cur;
            change(c[k]);
            out.push_back(std::move(c));
        };
        if (cur[k].samples + 1 < s.samples.size()) with([](StageChoice& x) { ++x.samples; });
        if (cur[k].iterations + 1 < s.iterations.size()) with([](StageChoice& x) { ++x.iterations; });
        for (std::size_t m = 0; m < s.models.size(); ++m)
            if (m != cur[k].model) with([m](StageChoice& x) { x.model = m; });
        for (std::size_t r = 0; r < s.rules.size(); ++r)
            if (r != cur[k].rule) with([r](StageChoice& x) { x.rule = r; });
        return out;
    }

    // Insight 2: buy accuracy where it is cheapest until every stage saturates.
    void allocate() {
        const std::size_t n = context_.space().stages().size();
        std::vector<bool> saturated(n, false);
        while (!context_.exhausted()) {
            std::optional<Point> free_move, paid_move;
            double best_ratio = 0;
            bool any_open = false;
            for (std::size_t k = 0; k < n; ++k) {
                if (saturated[k]) continue;
                double best_gain = -std::numeric_limits<double>::infinity();
                for (const Config& c : moves(k)) {
                    auto p = try_config(c, "greedy:move");
                    if (!p) continue;
                    const double gain = p->accuracy - current_.accuracy;
                    const double extra = p->cost - current_.cost;
                    best_gain = std::max(best_gain, gain);
                    if (gain <= 0) continue;
                    if (extra <= 0) {
                        if (!free_move || gain > free_move->accuracy - current_.accuracy) free_move = p;
                    } else if (gain / extra > best_ratio) {
                        best_ratio = gain / extra;
                        paid_move = p;
                    }
                }
                if (best_gain < epsilon_) saturated[k] = true;
                else any_open = true;
            }
            std::optional<Point> move = free_move ? free_move : paid_move;
            if (!move || !any_open) {
                if (move && better(*move, current_)) current_ = *move;
                return;
            }
            current_ = *move;
        }
    }

    // Re-optimises stage k over its whole local axis set; true when the config changed.
    bool optimise_stage(std::size_t k, const char* tag) {
        const StageAxes& s = context_.space().stages()[k];
        Point best = current_;
        for (std::size_t m = 0; m < s.models.size(); ++m)
            for (std::size_t n = 0; n < s.samples.size(); ++n)
                for (std::size_t t = 0; t < s.iterations.size(); ++t)
                    for (std::size_t r = 0; r < s.rules.size(); ++r) {
                        Config c = current_.config;
                        c[k] = StageChoice{m, n, t, r};
                        if (auto p = try_config(c, tag); p && better(*p, best)) best = *p;
                        if (context_.exhausted()) break;
                    }
        if (best.config == current_.config) return false;
        current_ = best;
        return true;
    }

    // Insight 3: one stage a step cheaper (fewer samples or iterations), another re-optimised over
    // the configurations that spend what that frees; true when the config changed.
    bool transfer(std::size_t from, std::size_t to) {
        const StageAxes& target = context_.space().stages()[to];
        std::vector<Config> cheaper;
        if (current_.config[from].samples > 0) {
            cheaper.push_back(current_.config);
            --cheaper.back()[from].samples;
        }
        if (current_.config[from].iterations > 0) {
            cheaper.push_back(current_.config);
            --cheaper.back()[from].iterations;
        }
        Point best = current_;
        for (const Config& base : cheaper) {
            const double base_cost = context_.predicted_cost(base);
            for (std::size_t m = 0; m < target.models.size(); ++m)
                for (std::size_t n = 0; n < target.samples.size(); ++n)
                    for (std::size_t t = 0; t < target.iterations.size(); ++t)
                        for (std::size_t r = 0; r < target.rules.size(); ++r) {
                            Config c = base;
                            c[to] = StageChoice{m, n, t, r};
                            // Only what spends the freed budget: cheaper options were seen by
                            // optimise_stage's neighbourhood or cannot beat the current config.
                            if (context_.predicted_cost(c) <= base_cost) continue;
                            if (auto p = try_config(c, "greedy:transfer"); p && better(*p, best)) best = *p;
                            if (context_.exhausted()) break;
                        }
        }
        if (best.config == current_.config) return false;
        current_ = best;
        return true;
    }

    void refine() {
        const std::size_t n = context_.space().stages().size();
        for (std::size_t pass = 0; pass < max_refinement_passes && !context_.exhausted(); ++pass) {
            bool changed = false;
            for (std::size_t k = 0; k < n; ++k) changed = optimise_stage(k, "greedy:refine") || changed;
            for (std::size_t a = 0; a < n; ++a)
                for (std::size_t b = 0; b < n; ++b)
                    if (a != b) changed = transfer(a, b) || changed;
            if (!changed) return;
        }
    }

    SearchContext& context_;
    double epsilon_;
    Point current_;
};

}  // namespace

void run_greedy(SearchContext& context, const SearchOptions& options) { Greedy(context, options.epsilon).run(); }

}  // namespace braid::search
