#include <catch2/catch.hpp>

#include <cmath>

#include "verifiers/selection.hpp"
#include "tests/verifiers/selection_test_support.hpp"

using braid::verifiers::Candidate;
using braid::verifiers::select_by_rule;
using braid::verifiers::testing::contains;
using braid::verifiers::testing::make_candidate;
using Ties = std::vector<std::size_t>;

TEST_CASE("Weighted majority sums a verifier over each cluster", "[verifiers][selection]") {
    SECTION("agreement outweighs one higher score") {
        std::vector<Candidate> cs{make_candidate(1, "a", {{"judge", 0.9}}), make_candidate(2, "b", {{"judge", 0.5}}),
                                  make_candidate(3, "b", {{"judge", 0.5}}), make_candidate(4, "c")};
        auto s = braid::verifiers::select_weighted_majority(cs, "judge");
        REQUIRE(s.index == 1u);
        REQUIRE(s.ties == Ties{1, 2});
        REQUIRE(s.rule == "weighted-majority:judge");
        REQUIRE(contains(s.reason, "judge sum 1 over 2 agreeing of 4"));
    }
    SECTION("equal sums tie, members without a score add nothing") {
        std::vector<Candidate> cs{make_candidate(1, "a", {{"judge", 0.5}}), make_candidate(2, "b", {{"judge", 0.25}}),
                                  make_candidate(3, "b", {{"judge", 0.25}}), make_candidate(4, "a")};
        auto s = braid::verifiers::select_weighted_majority(cs, "judge");
        REQUIRE(s.index == 0u);
        REQUIRE(s.ties == Ties{0, 1, 2, 3});
    }
    SECTION("a cluster without any score never wins, even over negative sums") {
        std::vector<Candidate> cs{make_candidate(1, "c"), make_candidate(2, "a", {{"confidence", -2}})};
        REQUIRE(braid::verifiers::select_weighted_majority(cs, "confidence").index == 1u);
        REQUIRE_FALSE(braid::verifiers::select_weighted_majority({make_candidate(1, "c")}, "confidence").index);
    }
}

TEST_CASE("Shortest picks the highest length score and lists equal lengths as ties", "[verifiers][selection]") {
    std::vector<Candidate> cs{make_candidate(1, "a", {{"length", -120}}), make_candidate(2, "b", {{"length", -80}}),
                              make_candidate(3, "c", {{"length", -80}}), make_candidate(4, "d")};
    auto s = select_by_rule("shortest", cs);
    REQUIRE(s.has_value());
    REQUIRE(s->rule == "shortest");
    REQUIRE(s->index == 1u);
    REQUIRE(s->ties == Ties{1, 2});
    REQUIRE(contains(s->reason, "80 completion tokens"));
    REQUIRE_FALSE(select_by_rule("shortest", {make_candidate(1, "a")})->index);
}

TEST_CASE("Selector follows the selection thread, else falls back to hybrid", "[verifiers][selection]") {
    std::vector<Candidate> cs{make_candidate(1, "a", {{"selector", 0}, {"judge", 0.9}}),
                              make_candidate(2, "b", {{"selector", 1}, {"judge", 0.1}})};
    auto chosen = select_by_rule("selector", cs);
    REQUIRE(chosen->index == 1u);
    REQUIRE(chosen->ties == Ties{1});
    REQUIRE(chosen->rule == "selector");

    for (Candidate& c : cs) c.scores.erase("selector");
    auto fallback = select_by_rule("selector", cs);
    REQUIRE(fallback->index == 0u);
    REQUIRE(fallback->rule == "selector");
    REQUIRE(contains(fallback->reason, "no selector verdict; hybrid: "));
}

TEST_CASE("Weighted sums weighted z-scores and log cluster sizes", "[verifiers][selection][weighted]") {
    // judge over the candidates with an answer that have it: 0.2, 0.6, 1.0 → mean 0.6, population
    // deviation sqrt(0.32/3) = 0.3266, z = −1.2247, 0, +1.2247; "c" has no judge (z = 0); the
    // empty answer takes no part.
    std::vector<Candidate> cs{make_candidate(1, "a", {{"judge", 0.2}}), make_candidate(2, "b", {{"judge", 0.6}}),
                              make_candidate(3, "b", {{"judge", 1.0}}), make_candidate(4, "c"),
                              make_candidate(5, "", {{"judge", 50}})};
    const double z = 0.4 / std::sqrt(0.32 / 3);
    REQUIRE(z == Approx(1.2247).epsilon(1e-4));

    auto judge_only = select_by_rule("weighted:judge=1", cs);
    REQUIRE(judge_only.has_value());
    REQUIRE(judge_only->index == 2u);
    REQUIRE(judge_only->ties == Ties{2});
    REQUIRE(judge_only->rule == "weighted:judge=1");

    // s = −z·1 + log(size): a = 1.2247, b₁ = log 2 = 0.693, b₂ = −1.2247 + 0.693, c = 0.
    auto contrarian = select_by_rule("weighted:judge=-1,majority=1", cs);
    REQUIRE(contrarian->index == 0u);
    REQUIRE(contains(contrarian->reason, "weighted sum 1.22"));

    // s = 0.5·z + 2·log(size): b₁ = 1.386, b₂ = 0.612 + 1.386 = 1.999 wins.
    auto mixed = select_by_rule("weighted: judge = 0.5 , majority = 2", cs);
    REQUIRE(mixed->index == 2u);
    REQUIRE(contains(mixed->reason, "weighted sum 2"));

    // All-equal scores standardize to 0: everyone with an answer ties.
    for (Candidate& c : cs) c.scores["confidence"] = -1;
    auto flat = select_by_rule("weighted:confidence=1", cs);
    REQUIRE(flat->index == 0u);
    REQUIRE(flat->ties == Ties{0, 1, 2, 3});
}

TEST_CASE("Weighted with regression z-scores over two candidates", "[verifiers][selection][weighted]") {
    // regression −2, 0: mean −1, deviation 1 → z = −1, +1; judge 0.9, 0.1 → z = +1, −1.
    std::vector<Candidate> cs{make_candidate(1, "a", {{"regression", -2}, {"judge", 0.9}}),
                              make_candidate(2, "b", {{"regression", 0}, {"judge", 0.1}})};
    REQUIRE(select_by_rule("weighted:regression=2,judge=1", cs)->index == 1u);
    REQUIRE(select_by_rule("weighted:regression=1,judge=2", cs)->index == 0u);
    auto tie = select_by_rule("weighted:regression=1,judge=1", cs);  // 0 and 0
    REQUIRE(tie->index == 0u);
    REQUIRE(tie->ties == Ties{0, 1});
}

TEST_CASE("Malformed weighted specs are refused naming the bad term", "[verifiers][selection][weighted]") {
    std::vector<Candidate> cs{make_candidate(1, "a")};
    auto message = [&](const char* rule) {
        auto r = select_by_rule(rule, cs);
        REQUIRE_FALSE(r.has_value());
        REQUIRE(r.error().code == braid::ErrorCode::invalid_input);
        return r.error().message;
    };
    REQUIRE(contains(message("weighted:"), "no terms"));
    REQUIRE(contains(message("weighted:judge"), "term 'judge' has no '=<weight>'"));
    REQUIRE(contains(message("weighted:judge=abc"), "term 'judge=abc' has no numeric weight"));
    REQUIRE(contains(message("weighted:judge=1x"), "term 'judge=1x'"));
    REQUIRE(contains(message("weighted:judge="), "term 'judge='"));
    REQUIRE(contains(message("weighted:=1"), "term '=1' names no verifier"));
    REQUIRE(contains(message("weighted:judge=1,judge=2"), "'judge' twice"));
    REQUIRE(contains(message("weighted:judge=1,"), "term ''"));
    REQUIRE(contains(message("weighted:judge=1,oracle=1"), "evaluation only"));
    REQUIRE(contains(message("weighted:judge=nan"), "term 'judge=nan' has no numeric weight"));
    REQUIRE(contains(message("weighted:judge=inf"), "term 'judge=inf'"));
    REQUIRE(select_by_rule("weighted:judge=+1.5e0,majority=-.5", cs).has_value());
}

TEST_CASE("Rules naming the oracle are refused: it is for evaluation only", "[verifiers][selection]") {
    std::vector<Candidate> cs{make_candidate(1, "a", {{"oracle", 1}})};
    for (const char* rule : {"best-score:oracle", "majority-of-best:oracle", "weighted-majority:oracle", "weighted:oracle=1"}) {
        INFO(rule);
        auto s = select_by_rule(rule, cs);
        REQUIRE_FALSE(s.has_value());
        REQUIRE(s.error().code == braid::ErrorCode::invalid_input);
        REQUIRE(contains(s.error().message, "evaluation only"));
        REQUIRE_FALSE(braid::verifiers::rule_verifiers(rule).has_value());
    }
}

TEST_CASE("Unknown rules are refused with the list of known rules", "[verifiers][selection]") {
    for (const char* rule : {"coin-flip", "best-score:", "majority-of-best:", "weighted-majority:", "Hybrid", ""}) {
        INFO(rule);
        auto s = select_by_rule(rule, {});
        REQUIRE_FALSE(s.has_value());
        REQUIRE(contains(s.error().message, "unknown selection rule"));
        REQUIRE(contains(s.error().message, "hybrid, selector, weighted:<verifier>=<weight>"));
    }
}

TEST_CASE("Every rule selects a lone candidate and nothing from an empty list", "[verifiers][selection]") {
    const std::vector<std::string> rules{"majority",       "weighted-majority:judge", "best-score:judge",
                                         "majority-of-best:judge", "first-finish",     "shortest",
                                         "hybrid",         "selector",                "weighted:judge=1,majority=1"};
    Candidate lone = make_candidate(1, "x", {{"judge", 0.4}, {"first-finish", 1}, {"length", -10}, {"selector", 1}});
    for (const std::string& rule : rules) {
        INFO(rule);
        auto one = select_by_rule(rule, {lone});
        REQUIRE(one.has_value());
        REQUIRE(one->index == 0u);
        REQUIRE(one->ties == Ties{0});
        REQUIRE_FALSE(one->reason.empty());
        auto none = select_by_rule(rule, {});
        REQUIRE(none.has_value());
        REQUIRE_FALSE(none->index.has_value());
        REQUIRE(none->ties.empty());
        REQUIRE_FALSE(none->reason.empty());
    }
}

TEST_CASE("Answer rules select nothing when every key is empty", "[verifiers][selection]") {
    std::vector<Candidate> cs{make_candidate(1, "", {{"judge", 0.4}, {"regression", 0}}),
                              make_candidate(2, "", {{"judge", 0.9}, {"regression", 0}})};
    for (const char* rule : {"majority", "weighted-majority:judge", "majority-of-best:regression", "hybrid",
                             "weighted:judge=1"}) {
        INFO(rule);
        auto s = select_by_rule(rule, cs);
        REQUIRE_FALSE(s->index.has_value());
        REQUIRE(s->ties.empty());
    }
    // Candidate-level rules still rank candidates that hold no answer.
    REQUIRE(select_by_rule("best-score:judge", cs)->index == 1u);
}

TEST_CASE("rule_verifiers lists what each rule reads", "[verifiers][selection]") {
    using V = std::vector<std::string>;
    REQUIRE(*braid::verifiers::rule_verifiers("majority") == V{});
    REQUIRE(*braid::verifiers::rule_verifiers("best-score:checker") == V{"checker"});
    REQUIRE(*braid::verifiers::rule_verifiers("weighted-majority:confidence") == V{"confidence"});
    REQUIRE(*braid::verifiers::rule_verifiers("majority-of-best:regression") == V{"regression"});
    REQUIRE(*braid::verifiers::rule_verifiers("first-finish") == V{"first-finish"});
    REQUIRE(*braid::verifiers::rule_verifiers("shortest") == V{"length"});
    REQUIRE(*braid::verifiers::rule_verifiers("hybrid") == V{"apply", "judge", "regression", "repro"});
    REQUIRE(*braid::verifiers::rule_verifiers("selector") == V{"selector", "apply", "judge", "regression", "repro"});
    REQUIRE(*braid::verifiers::rule_verifiers("weighted:judge=1,majority=0.5,confidence=2") == V{"judge", "confidence"});
    REQUIRE_FALSE(braid::verifiers::rule_verifiers("nope").has_value());
}

TEST_CASE("applicable_rules offers majority and every rule whose verifiers are present", "[verifiers][selection]") {
    using V = std::vector<std::string>;
    REQUIRE(braid::verifiers::applicable_rules({}) == V{"majority"});
    REQUIRE(braid::verifiers::applicable_rules({"checker", "oracle"}) == V{"majority", "best-score:checker"});
    auto swe = braid::verifiers::applicable_rules(
        {"apply", "regression", "judge", "confidence", "length", "first-finish", "selector", "oracle", "repro"});
    REQUIRE(swe == V{"majority", "best-score:regression", "best-score:judge",
                     "best-score:confidence", "best-score:repro", "weighted-majority:judge",
                     "weighted-majority:confidence", "shortest", "first-finish", "majority-of-best:regression",
                     "hybrid", "selector"});
    // Every offered rule is accepted and reads only offered verifiers.
    for (const std::string& rule : swe) {
        INFO(rule);
        REQUIRE(braid::verifiers::rule_verifiers(rule).has_value());
    }
}
