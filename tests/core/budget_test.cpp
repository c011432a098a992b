#include <catch2/catch.hpp>

#include "core/budget.hpp"

using braid::Amount;
using braid::BudgetUnit;
using braid::ErrorCode;
using braid::Ledger;

namespace {
Amount tokens(double n) {
    Amount a;
    a[BudgetUnit::tokens] = n;
    return a;
}
}  // namespace

TEST_CASE("parse_budget reads units and leaves the rest unlimited", "[core][budget]") {
    auto b = braid::parse_budget("usd=20,tokens=1000");
    REQUIRE(b.has_value());
    REQUIRE((*b)[BudgetUnit::usd] == 20.0);
    REQUIRE((*b)[BudgetUnit::tokens] == 1000.0);
    REQUIRE(std::isinf((*b)[BudgetUnit::samples]));
}

TEST_CASE("parse_budget rejects unknown units, negatives, garbage and missing values", "[core][budget]") {
    for (const char* bad : {"", "dollars=3", "usd=-1", "usd=abc", "usd", "usd=", "tokens=5,"}) {
        auto b = braid::parse_budget(bad);
        INFO(bad);
        REQUIRE_FALSE(b.has_value());
        REQUIRE(b.error().code == ErrorCode::invalid_input);
    }
}

TEST_CASE("A reservation that would overdraw the run account is refused", "[core][budget]") {
    Ledger ledger(tokens(100));
    auto node = ledger.open(ledger.root(), "node");
    auto first = ledger.reserve(node, tokens(60));
    REQUIRE(first.has_value());
    auto second = ledger.reserve(node, tokens(60));
    REQUIRE_FALSE(second.has_value());
    REQUIRE(second.error().code == ErrorCode::budget_exhausted);
    REQUIRE(second.error().message.find("'run'") != std::string::npos);
    first->settle(tokens(20));  // actual use below the worst case frees the rest
    REQUIRE(ledger.spent(ledger.root())[BudgetUnit::tokens] == 20);
    REQUIRE(ledger.reserve(node, tokens(60)).has_value());
}

TEST_CASE("A stage limit binds its nodes even when the run has room", "[core][budget]") {
    Ledger ledger(tokens(1000));
    auto stage = ledger.open(ledger.root(), "stage", tokens(50));
    auto node = ledger.open(stage, "node");
    REQUIRE_FALSE(ledger.reserve(node, tokens(51)).has_value());
    REQUIRE(ledger.available(node, BudgetUnit::tokens) == 50);
    REQUIRE(ledger.reserve(ledger.open(ledger.root(), "other"), tokens(900)).has_value());
}

TEST_CASE("A dropped reservation releases its hold without charging", "[core][budget]") {
    Ledger ledger(tokens(10));
    {
        auto r = ledger.reserve(ledger.root(), tokens(10));
        REQUIRE(r.has_value());
        REQUIRE(ledger.held(ledger.root())[BudgetUnit::tokens] == 10);
    }
    REQUIRE(ledger.held(ledger.root())[BudgetUnit::tokens] == 0);
    REQUIRE(ledger.spent(ledger.root())[BudgetUnit::tokens] == 0);
}

TEST_CASE("Random reserve/settle sequences never let spend exceed the limit", "[core][budget]") {
    std::uint64_t state = 12345;
    auto next = [&state] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>((state >> 33) % 50);
    };
    for (int trial = 0; trial < 200; ++trial) {
        Ledger ledger(tokens(500));
        auto stage = ledger.open(ledger.root(), "stage", tokens(300));
        std::vector<braid::Reservation> open;
        for (int step = 0; step < 100; ++step) {
            auto r = ledger.reserve(stage, tokens(next() + 1));
            if (r) open.push_back(std::move(*r));
            if (!open.empty() && next() < 25) {
                auto& last = open.back();
                double actual = std::min(next(), last.amount()[BudgetUnit::tokens]);
                last.settle(tokens(actual));
                open.pop_back();
            }
            REQUIRE(ledger.spent(stage)[BudgetUnit::tokens] + ledger.held(stage)[BudgetUnit::tokens] <= 300);
        }
        REQUIRE_FALSE(ledger.overdrawn(ledger.root()));
    }
}

TEST_CASE("Amount::describe lists only the units in use", "[core][budget]") {
    Amount a;
    a[BudgetUnit::tokens] = 12;
    a[BudgetUnit::usd] = 0.5;
    REQUIRE(a.describe() == "tokens=12 usd=0.5000");
    REQUIRE(Amount::zero().describe() == "none");
}

TEST_CASE("A wall-clock limit parses but never binds a reservation", "[core][budget]") {
    auto limit = braid::parse_budget("wall_s=0.5,tokens=10");
    REQUIRE(limit.has_value());
    REQUIRE((*limit)[BudgetUnit::wall_s] == 0.5);
    Ledger ledger(*limit);
    REQUIRE(ledger.reserve(ledger.root(), tokens(10)).has_value());
}

TEST_CASE("set_limit may lower a limit below what is spent and held, refusing later reservations", "[core][budget]") {
    Ledger ledger;
    auto account = ledger.open(ledger.root(), "task", tokens(100));
    auto held = ledger.reserve(account, tokens(30));
    REQUIRE(held.has_value());
    ledger.charge(account, tokens(40));
    ledger.set_limit(account, tokens(50));
    REQUIRE(ledger.limit(account)[BudgetUnit::tokens] == 50);
    REQUIRE(ledger.spent(account)[BudgetUnit::tokens] == 40);
    REQUIRE(ledger.held(account)[BudgetUnit::tokens] == 30);
    REQUIRE_FALSE(ledger.reserve(account, tokens(1)).has_value());
    held->settle(tokens(5));  // what was held before the change still settles
    REQUIRE(ledger.spent(account)[BudgetUnit::tokens] == 45);
    REQUIRE(ledger.reserve(account, tokens(5)).has_value());
    REQUIRE_FALSE(ledger.reserve(account, tokens(6)).has_value());
}
