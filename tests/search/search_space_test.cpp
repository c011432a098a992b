#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "search/search_space.hpp"
#include "search/trial.hpp"

using namespace braid::search;

namespace {

SearchSpace small_space() {
    return SearchSpace({
        StageAxes{"generate", {"small", "large"}, {1, 2, 4}, {1, 2}, {""}},
        StageAxes{"verify", {"judge"}, {0, 1, 3}, {1}, {""}},
        StageAxes{"select", {""}, {1}, {1}, {"majority", "weighted"}},
    });
}

// cost = index of the config; accuracy = a fixed table.
class TableEvaluator final : public Evaluator {
public:
    explicit TableEvaluator(const SearchSpace& space) : space_(space) {}
    double cost(const Config& c) const override { return static_cast<double>(space_.index_of(c)); }
    Evaluation evaluate(const Config& c, double) override {
        ++calls;
        const std::size_t i = space_.index_of(c);
        return Evaluation{i == 3 || i == 5 ? 0.9 : 0.1 * static_cast<double>(i % 5), cost(c)};
    }
    int calls = 0;

private:
    const SearchSpace& space_;
};

}  // namespace

TEST_CASE("a search space numbers its grid and at and index_of invert each other", "[search]") {
    SearchSpace space = small_space();
    REQUIRE(space.size() == 12 * 3 * 2);
    for (std::size_t i = 0; i < space.size(); ++i) {
        Config c = space.at(i);
        REQUIRE(space.valid(c));
        REQUIRE(space.index_of(c) == i);
    }
    // Stage 0 most significant: the last index is every stage at its last choices.
    Config last = space.at(space.size() - 1);
    CHECK(last[0] == StageChoice{1, 2, 1, 0});
    CHECK(last[2].rule == 1);
    CHECK_FALSE(space.valid(Config{}));
    Config bad = space.at(0);
    bad[1].samples = 3;
    CHECK_FALSE(space.valid(bad));
}

TEST_CASE("a search space config round-trips through json and errors name the stage and field", "[search]") {
    SearchSpace space = small_space();
    for (std::size_t i = 0; i < space.size(); ++i) {
        Config c = space.at(i);
        auto back = space.from_json(space.to_json(c));
        REQUIRE(back.has_value());
        REQUIRE(*back == c);
    }
    Config c = space.at(space.size() - 1);
    nlohmann::json j = space.to_json(c);
    CHECK(j["generate"]["model"] == "large");
    CHECK(j["generate"]["samples"] == 4);
    CHECK(j["select"]["rule"] == "weighted");
    CHECK_FALSE(j["select"].contains("model"));
    CHECK(space.describe(c) == "generate=large×4×2it verify=judge×3 select=weighted");

    nlohmann::json unknown = j;
    unknown["rank"] = nlohmann::json::object();
    auto e1 = space.from_json(unknown);
    REQUIRE_FALSE(e1.has_value());
    CHECK(e1.error().code == braid::ErrorCode::invalid_input);
    CHECK(e1.error().message.find("rank") != std::string::npos);

    nlohmann::json not_choice = j;
    not_choice["verify"]["samples"] = 2;
    auto e2 = space.from_json(not_choice);
    REQUIRE_FALSE(e2.has_value());
    CHECK(e2.error().message.find("verify.samples") != std::string::npos);

    nlohmann::json missing = j;
    missing["generate"].erase("model");
    auto e3 = space.from_json(missing);
    REQUIRE_FALSE(e3.has_value());
    CHECK(e3.error().message.find("generate.model") != std::string::npos);

    nlohmann::json wrong_type = j;
    wrong_type["select"]["rule"] = 3;
    auto e4 = space.from_json(wrong_type);
    REQUIRE_FALSE(e4.has_value());
    CHECK(e4.error().message.find("select.rule") != std::string::npos);
}

TEST_CASE("a search space from a pipeline spec gives select stages rules and others models", "[search]") {
    braid::search::PipelineSpec spec;
    braid::search::StageSpec generate;
    generate.name = "generate";
    generate.models = {"small", "large"};
    generate.samples = {1, 2, 4};
    braid::search::StageSpec select;
    select.name = "select";
    select.kind = braid::search::StageKind::select;
    select.inputs = {"generate"};
    select.rules = {"majority"};
    spec.stages = {generate, select};
    SearchSpace space = SearchSpace::from_pipeline(spec);
    REQUIRE(space.stages().size() == 2);
    CHECK(space.stages()[0].iterations == std::vector<int>{1});
    CHECK(space.stages()[0].rules == std::vector<std::string>{""});
    CHECK(space.stages()[1].models == std::vector<std::string>{""});
    CHECK(space.stages()[1].samples == std::vector<int>{1});
    CHECK(space.stages()[1].rules == std::vector<std::string>{"majority"});
    CHECK(space.size() == 6);
}

TEST_CASE("a search context serves repeats from its archive and stops at its trial limit", "[search]") {
    SearchSpace space = small_space();
    TableEvaluator evaluator(space);
    SearchContext context(space, evaluator, 10.0, 3);
    REQUIRE(context.evaluate(space.at(1)).has_value());
    REQUIRE(context.evaluate(space.at(1)).has_value());  // a repeat: no trial
    CHECK(context.trials_used() == 1);
    CHECK(evaluator.calls == 1);
    REQUIRE(context.evaluate(space.at(1), 0.5).has_value());  // another fidelity is another trial
    CHECK(context.trials_used() == 2);
    CHECK(context.known(space.at(1)).has_value());
    CHECK_FALSE(context.known(space.at(2)).has_value());
    REQUIRE(context.evaluate(space.at(2), 1.0, "x").has_value());
    CHECK(context.exhausted());
    CHECK_FALSE(context.evaluate(space.at(4)).has_value());
    CHECK(context.evaluate(space.at(2)).has_value());  // still served from the archive
    CHECK(context.archive().back().method == "x");
    CHECK(context.archive().back().number == 3);
}

TEST_CASE("a search context's best is the most accurate feasible trial, then cheaper, then earlier", "[search]") {
    SearchSpace space = small_space();
    TableEvaluator evaluator(space);
    SearchContext context(space, evaluator, 4.0, 0);
    CHECK_FALSE(context.best().has_value());
    (void)context.evaluate(space.at(5));  // 0.9 but cost 5 > budget: infeasible
    (void)context.evaluate(space.at(4));  // 0.4
    (void)context.evaluate(space.at(3), 0.5);  // 0.9 at half fidelity: not counted for best
    REQUIRE(context.best().has_value());
    CHECK(context.best()->config == space.at(4));
    (void)context.evaluate(space.at(3));  // 0.9, cost 3
    CHECK(context.best()->config == space.at(3));
    CHECK_FALSE(context.archive()[0].feasible);
}

TEST_CASE("the pareto front keeps undominated feasible full-fidelity trials cheapest first", "[search]") {
    SearchSpace space = small_space();
    auto trial = [&](std::size_t number, std::size_t index, double accuracy, double cost, bool feasible = true,
                     double fidelity = 1.0) {
        Trial t;
        t.number = number;
        t.config = space.at(index);
        t.fidelity = fidelity;
        t.result = Evaluation{accuracy, cost};
        t.feasible = feasible;
        return t;
    };
    std::vector<Trial> trials = {
        trial(1, 0, 0.5, 2.0),   // front
        trial(2, 1, 0.4, 3.0),   // dominated by 1
        trial(3, 2, 0.7, 5.0),   // front
        trial(4, 3, 0.7, 6.0),   // dominated by 3 (equal accuracy, dearer)
        trial(5, 4, 0.9, 9.0, false),  // infeasible
        trial(6, 5, 0.95, 8.0, true, 0.5),  // partial fidelity
        trial(7, 0, 0.5, 2.0),   // duplicate of 1
        trial(8, 6, 0.8, 7.0),   // front
        trial(9, 7, 0.3, 1.0),   // front: cheapest
    };
    std::vector<Trial> front = pareto_front(trials);
    REQUIRE(front.size() == 4);
    CHECK(front[0].number == 9);
    CHECK(front[1].number == 1);
    CHECK(front[2].number == 3);
    CHECK(front[3].number == 8);
}
