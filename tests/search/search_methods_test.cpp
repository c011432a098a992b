#include <catch2/catch.hpp>

#include <algorithm>

#include "core/error.hpp"
#include "search/search_methods.hpp"
#include "search/synthetic_pipeline.hpp"

using namespace braid::search;

namespace {

struct Optimum {
    double accuracy = 0;
    std::size_t affordable = 0;  // grid points within the budget
};

// Brute force over the grid with the noise-free accuracy.
Optimum exhaustive(const SyntheticPipeline& p, double budget) {
    Optimum o;
    for (std::size_t i = 0; i < p.space().size(); ++i) {
        Config c = p.space().at(i);
        if (p.cost(c) > budget) continue;
        ++o.affordable;
        o.accuracy = std::max(o.accuracy, p.true_accuracy(c));
    }
    return o;
}

SyntheticOptions small_options(std::uint64_t seed, double noise) {
    SyntheticOptions o;
    o.stages = 2;
    o.models = 2;
    o.samples = {1, 2, 4, 8};
    o.iterations = {1, 2};
    o.rules = 2;
    o.noise = noise;
    o.seed = seed;
    return o;
}

std::vector<std::pair<std::size_t, double>> summary(const SearchContext& c) {
    std::vector<std::pair<std::size_t, double>> out;
    for (const Trial& t : c.archive()) out.emplace_back(c.space().index_of(t.config), t.fidelity);
    return out;
}

// Proposes a fixed list, then nothing.
class ListProposer final : public Proposer {
public:
    explicit ListProposer(std::vector<Config> list) : list_(std::move(list)) {}
    std::optional<Config> propose(const SearchContext&) override {
        if (next_ >= list_.size()) return std::nullopt;
        return list_[next_++];
    }

private:
    std::vector<Config> list_;
    std::size_t next_ = 0;
};

}  // namespace

TEST_CASE("every search method keeps to the trial limit and the budget and is deterministic", "[search]") {
    const std::size_t limit = 25;
    for (const std::string method : {"grid", "random", "halving", "greedy", "tpe"}) {
        SyntheticPipeline p(small_options(3, 0.02));
        const double budget = p.default_budget();
        std::vector<std::pair<std::size_t, double>> first;
        for (int run = 0; run < 2; ++run) {
            SyntheticPipeline fresh(small_options(3, 0.02));
            SearchContext context(fresh.space(), fresh, budget, limit);
            SearchOptions options;
            options.method = method;
            options.seed = 11;
            SearchResult result = run_search(context, options);
            INFO(method);
            CHECK(result.trials == context.trials_used());
            CHECK(result.trials <= limit);
            CHECK(result.trials > 0);
            for (const Trial& t : context.archive()) CHECK(fresh.cost(t.config) <= budget);
            if (run == 0) first = summary(context);
            else CHECK(summary(context) == first);
            if (method == "halving") {
                CHECK(context.archive().front().fidelity == Approx(0.125));
                CHECK(context.archive().back().fidelity == 1.0);
            }
        }
    }
}

TEST_CASE("random search draws distinct affordable points until the space is used up", "[search]") {
    SyntheticPipeline p(small_options(5, 0.0));
    const double budget = p.default_budget();
    SearchContext context(p.space(), p, budget, 0);
    SearchOptions options;
    options.method = "random";
    options.seed = 2;
    SearchResult result = run_search(context, options);
    CHECK(result.trials == exhaustive(p, budget).affordable);
}

TEST_CASE("grid search evaluates every affordable point and finds the exhaustive optimum", "[search]") {
    SyntheticPipeline p(small_options(7, 0.0));
    const double budget = p.default_budget();
    SearchContext context(p.space(), p, budget, 0);
    SearchOptions options;
    options.method = "grid";
    SearchResult result = run_search(context, options);
    const Optimum o = exhaustive(p, budget);
    CHECK(result.trials == o.affordable);
    CHECK(o.affordable < p.space().size());  // the budget cuts the grid
    REQUIRE(result.best.has_value());
    CHECK(result.best->result.accuracy == Approx(o.accuracy).epsilon(1e-12));
    REQUIRE_FALSE(result.pareto.empty());
    CHECK(result.pareto.back().result.accuracy == result.best->result.accuracy);
}

TEST_CASE("greedy search reaches one percent regret with a tenth of the grid's trials", "[search]") {
    // The done-criterion: 3 stages × 3 models × 7 sample counts × 2 iterations, noise-free.
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        SyntheticOptions o;
        o.seed = seed;
        SyntheticPipeline p(o);
        const double budget = p.default_budget();
        const Optimum best = exhaustive(p, budget);
        SearchContext context(p.space(), p, budget, 0);
        SearchOptions options;
        options.method = "greedy";
        options.seed = seed;
        SearchResult result = run_search(context, options);
        INFO("seed " << seed << " trials " << result.trials << " of " << best.affordable);
        REQUIRE(result.best.has_value());
        CHECK(best.accuracy - p.true_accuracy(result.best->config) <= 0.01);
        CHECK(result.trials <= best.affordable / 10);
    }
}

TEST_CASE("the agent method evaluates proposals, skips invalid ones and needs a proposer", "[search]") {
    SyntheticPipeline p(small_options(3, 0.0));
    const double budget = p.default_budget();
    SearchContext context(p.space(), p, budget, 0);
    SearchOptions options;
    options.method = "agent";
    CHECK_THROWS_AS(run_search(context, options), braid::FatalError);

    Config cheap = p.space().at(0);
    Config invalid = cheap;
    invalid[0].model = 9;
    ListProposer proposer({cheap, invalid, cheap, invalid, invalid, invalid, p.space().at(1)});
    options.proposer = &proposer;
    SearchResult result = run_search(context, options);
    CHECK(result.trials == 1);  // the repeat is free; three invalid in a row end the loop
    REQUIRE(result.best.has_value());
    CHECK(result.best->method == "agent");

    options.method = "nonsense";
    CHECK_THROWS_AS(run_search(context, options), braid::FatalError);
    CHECK(is_method("tpe"));
    CHECK_FALSE(is_method("nonsense"));
    CHECK(method_names().size() == 6);
}
