// Budget search methods on the synthetic pipeline (search/): for each seed, the grid
// gives the exhaustive optimum; greedy runs without a trial limit and random, halving and tpe get
// the trials greedy used. Prints per-method trials and regret (noise-free accuracy of the method's
// best against the optimum), averaged over seeds.
//
//   build/bench/budget_search [seeds=5] [noise=0.01]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "search/search_methods.hpp"
#include "search/synthetic_pipeline.hpp"

using namespace braid::search;

namespace {

struct Figures {
    double trials = 0;
    double regret = 0;
    double worst_regret = 0;
};

}  // namespace

int main(int argc, char** argv) {
    const int seeds = argc > 1 ? std::atoi(argv[1]) : 5;
    const double noise = argc > 2 ? std::atof(argv[2]) : 0.01;
    const std::vector<std::string> methods = {"grid", "greedy", "random", "halving", "tpe"};
    std::map<std::string, Figures> sum;
    for (int s = 1; s <= seeds; ++s) {
        SyntheticOptions o;
        o.seed = static_cast<std::uint64_t>(s);
        o.noise = noise;
        SyntheticPipeline p(o);
        const double budget = p.default_budget();
        double optimum = 0;
        for (std::size_t i = 0; i < p.space().size(); ++i) {
            Config c = p.space().at(i);
            if (p.cost(c) <= budget) optimum = std::max(optimum, p.true_accuracy(c));
        }
        std::size_t equal_trials = 0;
        for (const std::string& method : methods) {
            const std::size_t limit = (method == "grid" || method == "greedy") ? 0 : equal_trials;
            SearchContext context(p.space(), p, budget, limit);
            SearchOptions options;
            options.method = method;
            options.seed = static_cast<std::uint64_t>(s);
            SearchResult r = run_search(context, options);
            if (method == "greedy") equal_trials = r.trials;
            const double regret = r.best ? optimum - p.true_accuracy(r.best->config) : optimum;
            Figures& f = sum[method];
            f.trials += static_cast<double>(r.trials);
            f.regret += regret;
            f.worst_regret = std::max(f.worst_regret, regret);
            std::printf("seed %d %-8s trials %6zu regret %.4f\n", s, method.c_str(), r.trials, regret);
        }
    }
    std::printf("\n3 stages x 3 models x 7 samples x 2 iterations, noise %.3f, %d seeds (means)\n", noise, seeds);
    std::printf("%-8s %10s %12s %12s\n", "method", "trials", "regret", "worst");
    for (const std::string& method : methods) {
        const Figures& f = sum[method];
        std::printf("%-8s %10.1f %12.4f %12.4f\n", method.c_str(), f.trials / seeds, f.regret / seeds, f.worst_regret);
    }
    return 0;
}
