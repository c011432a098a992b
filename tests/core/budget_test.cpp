#include <catch2/catch.hpp>

#include "core/budget.hpp"

TEST_CASE("A placeholder core test compiles", "[core]") { REQUIRE(braid::parse_budget("usd=1").has_value()); }
