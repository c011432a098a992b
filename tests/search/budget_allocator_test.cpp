#include <catch2/catch.hpp>

#include <random>

#include "search/budget_allocator.hpp"

using braid::Amount;
using braid::BudgetUnit;
using braid::Ledger;
using braid::Reservation;
using braid::search::BudgetAllocator;

namespace {

constexpr double tolerance = 1e-9;

Amount usd(double n) {
    Amount a;
    a[BudgetUnit::usd] = n;
    return a;
}

// One task of a random pipeline as the property test drives it: its stages open in order, calls
// reserve on the open stage, and the task finishes once nothing of it is held.
struct DrivenTask {
    Ledger::AccountId account = 0;
    std::vector<Ledger::AccountId> stages;  // opened so far
    std::size_t holds = 0;                  // reservations not settled yet
    bool finished = false;
};

struct Hold {
    std::size_t task = 0;
    Ledger::AccountId stage = 0;
    double actual = 0;
    Reservation reservation;
};

double uniform(std::mt19937_64& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
std::size_t pick(std::mt19937_64& rng, std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); }

}  // namespace

TEST_CASE("Random interleaved pipelines never spend past the budget nor a stage past its limit", "[allocator]") {
    std::mt19937_64 rng(20261122);
    for (int pipeline = 0; pipeline < 300; ++pipeline) {
        const std::size_t num_tasks = 1 + pick(rng, 20);
        const std::size_t num_stages = 1 + pick(rng, 4);
        const double budget = uniform(rng, 0.5, 50.0);
        std::vector<double> weights;
        for (std::size_t s = 0; s < num_stages; ++s) weights.push_back(pick(rng, 4) == 0 ? 0.0 : uniform(rng, 0.1, 10));
        INFO("pipeline " << pipeline << ": " << num_tasks << " tasks, " << num_stages << " stages, budget " << budget);

        Ledger ledger;  // the run account itself is unlimited: only the allocator's shares bind
        BudgetAllocator alloc(ledger, ledger.root(), BudgetUnit::usd, budget, num_tasks, weights);
        std::vector<DrivenTask> tasks;
        std::vector<Hold> holds;
        std::size_t refused = 0;

        auto check = [&] {
            REQUIRE(ledger.spent(ledger.root())[BudgetUnit::usd] <= budget + tolerance);
            double committed = 0;
            for (const DrivenTask& t : tasks) {
                REQUIRE(ledger.spent(t.account)[BudgetUnit::usd] <= ledger.limit(t.account)[BudgetUnit::usd] + tolerance);
                committed += ledger.limit(t.account)[BudgetUnit::usd];
                for (Ledger::AccountId s : t.stages)
                    REQUIRE(ledger.spent(s)[BudgetUnit::usd] + ledger.held(s)[BudgetUnit::usd] <=
                            ledger.limit(s)[BudgetUnit::usd] + tolerance);
            }
            REQUIRE(committed + alloc.unallocated() <= budget + tolerance);
        };

        std::size_t done = 0;
        while (done < num_tasks) {
            const std::size_t action = pick(rng, 4);
            std::vector<std::size_t> active;
            for (std::size_t i = 0; i < tasks.size(); ++i)
                if (!tasks[i].finished) active.push_back(i);
            if (tasks.size() < num_tasks && (active.empty() || action == 0)) {
                DrivenTask t;
                t.account = alloc.open_task("t" + std::to_string(tasks.size()));
                tasks.push_back(t);
            } else if (action == 1 && !holds.empty()) {
                const std::size_t h = pick(rng, holds.size());
                holds[h].reservation.settle(usd(holds[h].actual));
                --tasks[holds[h].task].holds;
                holds.erase(holds.begin() + static_cast<std::ptrdiff_t>(h));
            } else if (!active.empty()) {
                DrivenTask& t = tasks[active[pick(rng, active.size())]];
                const std::size_t index = static_cast<std::size_t>(&t - tasks.data());
                const bool stage_left = t.stages.size() < num_stages;
                if (t.stages.empty() || (stage_left && action == 2)) {
                    t.stages.push_back(alloc.open_stage(t.account, t.stages.size(), "s" + std::to_string(t.stages.size())));
                } else if (action == 3 && t.holds == 0) {
                    alloc.finish_task(t.account);
                    t.finished = true;
                    ++done;
                    REQUIRE(ledger.limit(t.account)[BudgetUnit::usd] ==
                            Approx(ledger.spent(t.account)[BudgetUnit::usd]).margin(tolerance));
                } else {
                    const double worst = uniform(rng, 0.01, budget / 4);
                    auto r = ledger.reserve(t.stages.back(), usd(worst));
                    if (r) {
                        holds.push_back(Hold{index, t.stages.back(), uniform(rng, 0.0, worst), std::move(*r)});
                        ++t.holds;
                    } else {
                        ++refused;
                    }
                }
            }
            check();
        }
        CHECK(holds.empty());
        (void)refused;
    }
}

TEST_CASE("A task that finishes under its share leaves the rest to the tasks after it", "[allocator]") {
    Ledger ledger;
    const double budget = 10.0;
    BudgetAllocator alloc(ledger, ledger.root(), BudgetUnit::usd, budget, 2, {1.0});
    Ledger::AccountId first = alloc.open_task("t0");
    REQUIRE(ledger.limit(first)[BudgetUnit::usd] == Approx(budget / 2));
    Ledger::AccountId stage = alloc.open_stage(first, 0, "t0/generate");
    auto r = ledger.reserve(stage, usd(1.0));
    REQUIRE(r.has_value());
    r->settle(usd(0.5));  // 10% of its share of 5
    alloc.finish_task(first);
    REQUIRE(ledger.limit(first)[BudgetUnit::usd] == Approx(0.5));
    REQUIRE(alloc.unallocated() == Approx(9.5));
    Ledger::AccountId second = alloc.open_task("t1");
    REQUIRE(ledger.limit(second)[BudgetUnit::usd] > budget / 2);
    REQUIRE(ledger.limit(second)[BudgetUnit::usd] == Approx(9.5));
    // Every other unit stays unlimited on the share's accounts.
    REQUIRE(std::isinf(ledger.limit(second)[BudgetUnit::tokens]));
}

TEST_CASE("Tasks opened together share the pool equally and are refused past their share", "[allocator]") {
    Ledger ledger;
    BudgetAllocator alloc(ledger, ledger.root(), BudgetUnit::samples, 12, 3, {});
    Ledger::AccountId a = alloc.open_task("a");
    Ledger::AccountId b = alloc.open_task("b");
    REQUIRE(ledger.limit(a)[BudgetUnit::samples] == Approx(4));
    REQUIRE(ledger.limit(b)[BudgetUnit::samples] == Approx(4));
    REQUIRE(alloc.unallocated() == Approx(4));
    Amount one;
    one[BudgetUnit::samples] = 1;
    std::vector<Reservation> held;
    for (int i = 0; i < 4; ++i) {
        auto r = ledger.reserve(a, one);
        REQUIRE(r.has_value());
        held.push_back(std::move(*r));
    }
    auto refused = ledger.reserve(a, one);
    REQUIRE_FALSE(refused.has_value());
    REQUIRE(refused.error().code == braid::ErrorCode::budget_exhausted);
}

TEST_CASE("Stage shares follow the stage weights of the stages not yet opened", "[allocator]") {
    Ledger ledger;
    // One task takes the whole budget of 100; weights 2 : 1 : 1.
    BudgetAllocator alloc(ledger, ledger.root(), BudgetUnit::usd, 100, 1, {2.0, 1.0, 1.0});
    Ledger::AccountId task = alloc.open_task("t");
    REQUIRE(ledger.limit(task)[BudgetUnit::usd] == Approx(100));
    Ledger::AccountId generate = alloc.open_stage(task, 0, "generate");
    REQUIRE(ledger.limit(generate)[BudgetUnit::usd] == Approx(50));  // 100 · 2/4
    ledger.charge(generate, usd(30));                                  // 20 unused
    Ledger::AccountId verify = alloc.open_stage(task, 1, "verify");
    REQUIRE(ledger.limit(verify)[BudgetUnit::usd] == Approx(35));  // (100 − 30) · 1/2
    ledger.charge(verify, usd(35));
    Ledger::AccountId select = alloc.open_stage(task, 2, "select");
    REQUIRE(ledger.limit(select)[BudgetUnit::usd] == Approx(35));  // what is left, 1/1

    // All weights zero: equal shares.
    Ledger other;
    BudgetAllocator equal(other, other.root(), BudgetUnit::usd, 90, 1, {0.0, 0.0, 0.0});
    Ledger::AccountId t = equal.open_task("t");
    REQUIRE(other.limit(equal.open_stage(t, 1, "b"))[BudgetUnit::usd] == Approx(30));
    REQUIRE(other.limit(equal.open_stage(t, 0, "a"))[BudgetUnit::usd] == Approx(45));  // nothing spent yet: 90/2

    // A zero weight among positive ones gets nothing.
    Ledger third;
    BudgetAllocator off(third, third.root(), BudgetUnit::usd, 10, 1, {1.0, 0.0});
    Ledger::AccountId u = off.open_task("u");
    REQUIRE(third.limit(off.open_stage(u, 1, "verify-off"))[BudgetUnit::usd] == 0);
    REQUIRE(third.limit(off.open_stage(u, 0, "generate"))[BudgetUnit::usd] == Approx(10));
}
