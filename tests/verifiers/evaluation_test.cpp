#include <catch2/catch.hpp>

#include "verifiers/evaluation.hpp"
#include "verifiers/selection.hpp"
#include "tests/verifiers/selection_test_support.hpp"

using braid::verifiers::Candidate;
using braid::verifiers::correctness;
using braid::verifiers::expected_accuracy;
using braid::verifiers::pass_at_k;
using braid::verifiers::Selection;
using braid::verifiers::testing::make_candidate;

TEST_CASE("Correctness is the oracle's verdict, else the checker's", "[verifiers][evaluation]") {
    REQUIRE(correctness(make_candidate(1, "a", {{"oracle", 1}})) == true);
    REQUIRE(correctness(make_candidate(1, "a", {{"oracle", 0}, {"checker", 1}})) == false);
    REQUIRE(correctness(make_candidate(1, "a", {{"oracle", 1}, {"checker", 0}})) == true);
    REQUIRE(correctness(make_candidate(1, "a", {{"checker", 1}})) == true);
    REQUIRE(correctness(make_candidate(1, "a", {{"checker", 0}})) == false);
    REQUIRE_FALSE(correctness(make_candidate(1, "a", {{"judge", 1}})).has_value());
}

TEST_CASE("pass@k matches hand-computed values", "[verifiers][evaluation]") {
    REQUIRE(pass_at_k(5, 2, 1) == Approx(0.4));
    REQUIRE(pass_at_k(5, 2, 2) == Approx(0.7));  // 1 − C(3,2)/C(5,2) = 1 − 3/10
    REQUIRE(pass_at_k(5, 2, 3) == Approx(0.9));  // 1 − C(3,3)/C(5,3) = 1 − 1/10
    REQUIRE(pass_at_k(5, 2, 4) == 1.0);          // c ≥ n − k + 1
    REQUIRE(pass_at_k(5, 0, 3) == 0.0);
    REQUIRE(pass_at_k(5, 5, 1) == 1.0);
    REQUIRE(pass_at_k(3, 1, 10) == 1.0);  // k clamped to n
    REQUIRE(pass_at_k(0, 0, 1) == 0.0);
    // Large n stays finite and exact: 1 − C(999, 1)/C(1000, 1) = 0.001.
    REQUIRE(pass_at_k(1000, 1, 1) == Approx(0.001));
    // 1 − C(180, 10)/C(200, 10), rounded from the exact ratio.
    REQUIRE(pass_at_k(200, 20, 10) == Approx(0.660225623763214));
}

TEST_CASE("Expected accuracy is the mean correctness over the tie set", "[verifiers][evaluation]") {
    std::vector<Candidate> cs{make_candidate(1, "a", {{"oracle", 1}}), make_candidate(2, "b", {{"oracle", 0}, {"checker", 1}}),
                              make_candidate(3, "c", {{"checker", 1}}), make_candidate(4, "d")};
    Selection three{0u, "test", "", {0, 1, 2}};
    REQUIRE(expected_accuracy(three, cs) == Approx(2.0 / 3));
    Selection with_unverdicted{3u, "test", "", {2, 3}};
    REQUIRE(expected_accuracy(with_unverdicted, cs) == Approx(0.5));
    Selection nothing{std::nullopt, "test", "", {}};
    REQUIRE(expected_accuracy(nothing, cs) == 0.0);

    // Through a rule: majority's tie between "x" (correct) and "y" (wrong) scores 0.5, whichever wins.
    std::vector<Candidate> tied{make_candidate(1, "x", {{"checker", 1}}), make_candidate(2, "y", {{"checker", 0}})};
    auto s = braid::verifiers::select_majority(tied);
    REQUIRE(s.index == 0u);
    REQUIRE(expected_accuracy(s, tied) == Approx(0.5));
}
