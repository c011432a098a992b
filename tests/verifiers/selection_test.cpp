#include <catch2/catch.hpp>

#include "verifiers/selection.hpp"

using braid::NodeId;
using braid::verifiers::Candidate;

namespace {
Candidate cand(std::int64_t node, std::string normalized, std::map<std::string, double> scores = {}) {
    Candidate c;
    c.node = NodeId{node};
    c.normalized = std::move(normalized);
    c.scores = std::move(scores);
    return c;
}
}  // namespace

TEST_CASE("Majority picks the largest cluster of equal answers", "[verifiers][selection]") {
    std::vector<Candidate> cs{cand(1, "a"), cand(2, "b"), cand(3, "b"), cand(4, "c"), cand(5, "b")};
    auto s = braid::verifiers::select_majority(cs);
    REQUIRE(s.index == 1u);
    REQUIRE(s.ties == std::vector<std::size_t>{1, 2, 4});
    REQUIRE(s.reason.find("3 of 5") != std::string::npos);
}

TEST_CASE("Majority ties go to the cluster that appeared first", "[verifiers][selection]") {
    std::vector<Candidate> cs{cand(1, "x"), cand(2, "y"), cand(3, "y"), cand(4, "x")};
    auto s = braid::verifiers::select_majority(cs);
    REQUIRE(s.index == 0u);
    // Both clusters are the largest: every member of both is a tie.
    REQUIRE(s.ties == std::vector<std::size_t>{0, 1, 2, 3});
}

TEST_CASE("Majority ignores candidates without an answer and reports when none has one", "[verifiers][selection]") {
    std::vector<Candidate> cs{cand(1, ""), cand(2, ""), cand(3, "z")};
    REQUIRE(braid::verifiers::select_majority(cs).index == 2u);
    std::vector<Candidate> none{cand(1, ""), cand(2, "")};
    REQUIRE_FALSE(braid::verifiers::select_majority(none).index.has_value());
    REQUIRE(braid::verifiers::select_majority(none).ties.empty());
    REQUIRE_FALSE(braid::verifiers::select_majority({}).index.has_value());
}

TEST_CASE("Best score picks the highest score, the first on ties, skipping unscored", "[verifiers][selection]") {
    std::vector<Candidate> cs{cand(1, "a"), cand(2, "b", {{"checker", 0}}), cand(3, "c", {{"checker", 1}}),
                              cand(4, "d", {{"checker", 1}})};
    REQUIRE(braid::verifiers::select_best_score(cs, "checker").index == 2u);
    REQUIRE(braid::verifiers::select_best_score(cs, "checker").ties == std::vector<std::size_t>{2, 3});
    std::vector<Candidate> all_fail{cand(1, "a", {{"checker", 0}}), cand(2, "b", {{"checker", 0}})};
    REQUIRE(braid::verifiers::select_best_score(all_fail, "checker").index == 0u);
    REQUIRE(braid::verifiers::select_best_score(all_fail, "checker").ties == std::vector<std::size_t>{0, 1});
    REQUIRE_FALSE(braid::verifiers::select_best_score({cand(1, "a")}, "checker").index.has_value());
}

TEST_CASE("First-finish picks the marked winner", "[verifiers][selection]") {
    std::vector<Candidate> cs{cand(1, "a", {{"first-finish", 0}}), cand(2, "b", {{"first-finish", 1}})};
    REQUIRE(braid::verifiers::select_first_finish(cs).index == 1u);
    REQUIRE(braid::verifiers::select_first_finish(cs).ties == std::vector<std::size_t>{1});
    REQUIRE_FALSE(braid::verifiers::select_first_finish({cand(1, "a")}).index.has_value());
}

TEST_CASE("select_by_rule dispatches by name and rejects unknown rules", "[verifiers][selection]") {
    std::vector<Candidate> cs{cand(1, "a", {{"judge", 0.2}}), cand(2, "b", {{"judge", 0.9}})};
    auto s = braid::verifiers::select_by_rule("best-score:judge", cs);
    REQUIRE(s.has_value());
    REQUIRE(s->index == 1u);
    auto bad = braid::verifiers::select_by_rule("coin-flip", cs);
    REQUIRE_FALSE(bad.has_value());
    REQUIRE(bad.error().code == braid::ErrorCode::invalid_input);
}

TEST_CASE("Majority-of-best keeps the best verifier score, then votes", "[verifiers][selection]") {
    // Two fixes "f" (one regression-free, one not), a wrong fix "w" twice with a regression, and
    // "g" once without: among the regression-free {f, g, f}, "f" is the majority.
    std::vector<Candidate> cs{cand(1, "w", {{"regression", -1}}), cand(2, "f", {{"regression", 0}}),
                              cand(3, "w", {{"regression", -1}}), cand(4, "w", {{"regression", -1}}),
                              cand(5, "g", {{"regression", 0}}),  cand(6, "f", {{"regression", 0}})};
    auto s = braid::verifiers::select_by_rule("majority-of-best:regression", cs);
    REQUIRE(s.has_value());
    REQUIRE(s->index == 1u);
    REQUIRE(s->ties == std::vector<std::size_t>{1, 5});
    REQUIRE(s->reason.find("3 of 6") != std::string::npos);
    // Plain majority would pick the wrong fix.
    auto plain = braid::verifiers::select_majority(cs);
    REQUIRE(plain.index == 0u);
    REQUIRE(plain.ties == std::vector<std::size_t>{0, 2, 3});
}

TEST_CASE("Majority-of-best drops unscored candidates and ties to the earliest", "[verifiers][selection]") {
    std::vector<Candidate> cs{cand(1, "a"), cand(2, "b", {{"regression", -2}}), cand(3, "c", {{"regression", -2}})};
    REQUIRE(braid::verifiers::select_majority_of_best(cs, "regression").index == 1u);
    REQUIRE(braid::verifiers::select_majority_of_best(cs, "regression").ties == std::vector<std::size_t>{1, 2});
    REQUIRE_FALSE(braid::verifiers::select_majority_of_best({cand(1, "a"), cand(2, "b")}, "regression").index);
    std::vector<Candidate> no_answer{cand(1, "", {{"regression", 0}})};
    REQUIRE_FALSE(braid::verifiers::select_majority_of_best(no_answer, "regression").index);
}
