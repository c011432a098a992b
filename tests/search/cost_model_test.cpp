#include <catch2/catch.hpp>

#include <string>

#include "search/cost_model.hpp"

using namespace braid;
using braid::search::CallGroup;
using braid::search::parse_search_budget;

TEST_CASE("parse_search_budget reads one UNIT=VALUE in every unit", "[search][cost]") {
    auto usd = parse_search_budget("usd=50");
    REQUIRE(usd.has_value());
    REQUIRE(usd->unit == BudgetUnit::usd);
    REQUIRE(usd->amount == 50);
    REQUIRE(usd->describe() == "usd=50");

    auto flops = parse_search_budget("flops=2e15");
    REQUIRE(flops.has_value());
    REQUIRE(flops->unit == BudgetUnit::flops);
    REQUIRE(flops->amount == 2e15);
    REQUIRE(flops->describe() == "flops=2e+15");

    REQUIRE(parse_search_budget("wall_s=600")->unit == BudgetUnit::wall_s);
    REQUIRE(parse_search_budget("tokens=1e6")->amount == 1e6);
    REQUIRE(parse_search_budget("samples=400")->unit == BudgetUnit::samples);
    REQUIRE(parse_search_budget("bytes=1e12")->unit == BudgetUnit::bytes);
    REQUIRE(parse_search_budget("usd=0.25")->describe() == "usd=0.25");
}

TEST_CASE("parse_search_budget refuses malformed budgets, naming the flag and the value", "[search][cost]") {
    auto require_error = [](std::string_view text, std::string_view flag, const std::string& expected) {
        auto r = parse_search_budget(text, flag);
        INFO(text);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().code == ErrorCode::invalid_input);
        INFO(r.error().message);
        REQUIRE(r.error().message.find(expected) != std::string::npos);
    };
    require_error("50", "--budget", "--budget: '50' has no unit; write UNIT=VALUE, e.g. usd=50");
    require_error("usd=-5", "--budget", "--budget: 'usd=-5' must be a positive amount");
    require_error("usd=0", "--budget", "--budget: 'usd=0' must be a positive amount");
    require_error("usd=lots", "--budget", "--budget: 'usd=lots' has an amount that is not a number");
    require_error("usd=5,flops=1e15", "--budget", "--budget: 'usd=5,flops=1e15' names more than one unit");
    require_error("dollars=5", "--budget", "--budget: 'dollars=5' has unknown unit 'dollars'");
    require_error("dollars=5", "--run-budget", "--run-budget: 'dollars=5'");
    require_error("", "--budget", "--budget: '' is not UNIT=VALUE");
}

TEST_CASE("group_cost prices cached and uncached tokens and costs eFLOPs with Kinetics", "[search][cost]") {
    search::ModelSpec m;
    m.price = ModelPrice{2.0, 8.0, 0.5};  // input, output, cached input per M tokens
    m.architecture = KineticsModel{7e9, 32, 32, 8, 128};
    CallGroup group{4, 1000, 600, 500, 3.5};  // samples, prompt, cached prompt, completion, latency_s

    Amount cost = search::group_cost(m, b200_intensity, group);
    // Per call: (400 uncached · 2 + 600 cached · 0.5 + 500 · 8) / 1e6 = (800 + 300 + 4000) / 1e6
    //         = 5.1e-3 USD; four samples: 2.04e-2.
    REQUIRE(cost[BudgetUnit::usd] == Approx(2.04e-2).epsilon(1e-12));
    KineticsCost k = kinetics_cost(m.architecture, 1000, 500, 4);
    REQUIRE(cost[BudgetUnit::flops] == Approx(k.total(b200_intensity)).epsilon(1e-12));
    REQUIRE(cost[BudgetUnit::flops] == Approx(1.0303872e14).epsilon(1e-9));  // kinetics_test's hand value
    REQUIRE(cost[BudgetUnit::bytes] == Approx(k.memory).epsilon(1e-12));
    REQUIRE(cost[BudgetUnit::tokens] == 4 * (1000 + 500));
    REQUIRE(cost[BudgetUnit::samples] == 4);
    REQUIRE(cost[BudgetUnit::wall_s] == 3.5);

    // A lower intensity weighs memory traffic less.
    REQUIRE(search::group_cost(m, 100, group)[BudgetUnit::flops] == Approx(k.total(100)).epsilon(1e-12));
}

TEST_CASE("group_cost leaves flops and bytes at zero for a model without an architecture", "[search][cost]") {
    search::ModelSpec m;
    m.price = ModelPrice{1.0, 1.0, 1.0};
    m.architecture.params = 7e9;  // layers and the rest unknown: not costed
    Amount cost = search::group_cost(m, b200_intensity, CallGroup{2, 100, 0, 50, 1});
    REQUIRE(cost[BudgetUnit::flops] == 0);
    REQUIRE(cost[BudgetUnit::bytes] == 0);
    REQUIRE(cost[BudgetUnit::usd] == Approx(2 * 150 / 1e6));
    REQUIRE(cost[BudgetUnit::tokens] == 300);
}
