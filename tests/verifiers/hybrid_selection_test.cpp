#include <catch2/catch.hpp>

#include "verifiers/evaluation.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/selection_support.hpp"
#include "tests/verifiers/selection_test_support.hpp"

using braid::verifiers::Candidate;
using braid::verifiers::select_hybrid;
using braid::verifiers::testing::contains;
using braid::verifiers::testing::make_candidate;
using Ties = std::vector<std::size_t>;

TEST_CASE("Hybrid drops candidates that do not apply or hold no patch", "[verifiers][selection][hybrid]") {
    std::vector<Candidate> cs{make_candidate(1, "p", {{"apply", 0}, {"judge", 0.99}}),
                              make_candidate(2, "", {{"apply", 1}, {"judge", 0.9}}),
                              make_candidate(3, "q", {{"apply", 1}, {"judge", 0.5}})};
    auto s = select_hybrid(cs);
    REQUIRE(s.index == 2u);
    REQUIRE(s.ties == Ties{2});
    REQUIRE(s.rule == "hybrid");
    REQUIRE(contains(s.reason, "2 of 3 dropped"));
}

TEST_CASE("Hybrid with every regression negative still selects the least bad", "[verifiers][selection][hybrid]") {
    std::vector<Candidate> cs{make_candidate(1, "a", {{"regression", -3}}), make_candidate(2, "b", {{"regression", -1}}),
                              make_candidate(3, "c", {{"regression", -2}})};
    auto s = select_hybrid(cs);
    REQUIRE(s.index == 1u);
    REQUIRE(s.ties == Ties{1});
    REQUIRE(contains(s.reason, "regression -1"));
}

TEST_CASE("Hybrid selects a single candidate and nothing from no candidates", "[verifiers][selection][hybrid]") {
    auto one = select_hybrid({make_candidate(1, "x")});
    REQUIRE(one.index == 0u);
    REQUIRE(one.ties == Ties{0});
    REQUIRE(contains(one.reason, "hybrid: 1 cluster → "));

    auto none = select_hybrid({});
    REQUIRE_FALSE(none.index.has_value());
    REQUIRE(none.ties.empty());
    auto empty_keys = select_hybrid({make_candidate(1, "", {{"judge", 1}}), make_candidate(2, "")});
    REQUIRE_FALSE(empty_keys.index.has_value());
    REQUIRE(empty_keys.ties.empty());
    auto none_apply = select_hybrid({make_candidate(1, "x", {{"apply", 0}})});
    REQUIRE_FALSE(none_apply.index.has_value());
}

TEST_CASE("Hybrid skips reproduction tests that pass and fail alike for every survivor and lets the judge decide",
          "[verifiers][selection][hybrid]") {
    // "a" is distinguished by the repro tests but dropped by regression; the survivors "b" and "c"
    // share the signature 01 (distinguishability 1), so repro says nothing and the judge picks "c".
    std::vector<Candidate> cs{
        make_candidate(1, "a", {{"regression", -1}, {"repro", 2}, {"judge", 0.3}}, "11"),
        make_candidate(2, "b", {{"regression", 0}, {"repro", 1}, {"judge", 0.6}}, "01"),
        make_candidate(3, "c", {{"regression", 0}, {"repro", 1}, {"judge", 0.9}}, "01")};
    REQUIRE(braid::verifiers::repro_distinguishability(cs) == 2u);
    auto s = select_hybrid(cs);
    REQUIRE(s.index == 2u);
    REQUIRE(s.ties == Ties{2});
    REQUIRE(s.reason == "hybrid: 3 clusters → regression 0 keeps 2 → repro skipped (distinguishability 1) → judge 0.9");
}

TEST_CASE("Hybrid lets distinguishing reproduction tests decide over the judge", "[verifiers][selection][hybrid]") {
    std::vector<Candidate> cs{
        make_candidate(1, "a", {{"regression", 0}, {"repro", 1}, {"judge", 0.9}}, "10"),
        make_candidate(2, "b", {{"regression", 0}, {"repro", 2}, {"judge", 0.4}}, "11"),
        make_candidate(3, "c", {{"regression", 0}, {"repro", 0}, {"judge", 0.8}}, "00")};
    REQUIRE(braid::verifiers::repro_distinguishability(cs) == 3u);
    auto s = select_hybrid(cs);
    REQUIRE(s.index == 1u);
    REQUIRE(s.ties == Ties{1});
    REQUIRE(contains(s.reason, "repro 2"));
    REQUIRE(contains(s.reason, "distinguishability 3"));
}

TEST_CASE("Hybrid keeps only the judge's top k clusters before regression", "[verifiers][selection][hybrid]") {
    // 8 clusters → k = 4. Cluster 0 is regression-free but badly judged: the cut drops it, and
    // among the top 4 (judge 0.9, 0.8, 0.7, 0.6) the regression-free cluster 2 wins.
    std::vector<double> judge{0.1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3};
    std::vector<double> regression{0, -1, 0, -1, -1, -2, 0, -1};
    std::vector<Candidate> cs;
    for (std::size_t i = 0; i < judge.size(); ++i)
        cs.push_back(make_candidate(static_cast<std::int64_t>(i), "patch" + std::to_string(i),
                                    {{"judge", judge[i]}, {"regression", regression[i]}}));
    auto s = select_hybrid(cs);
    REQUIRE(s.index == 2u);
    REQUIRE(s.ties == Ties{2});
    REQUIRE(contains(s.reason, "hybrid: 8 clusters → judge top 4 → regression 0 → "));

    // With 5 clusters k = 3 (the minimum): cluster 3 (judge 0.7) survives, 4 (0.6) does not.
    std::vector<Candidate> five(cs.begin() + 1, cs.begin() + 6);
    five[3].scores["regression"] = 0;  // "patch4", judge 0.6: cut before regression can save it
    auto s5 = select_hybrid(five);
    REQUIRE(contains(s5.reason, "5 clusters → judge top 3 → regression 0 → "));
    REQUIRE(s5.index == 1u);  // "patch2"
}

TEST_CASE("Hybrid scores a cluster by the mean over its members that have a score", "[verifiers][selection][hybrid]") {
    // Cluster "a": judges 0.9 and 0.3 (mean 0.6), one member unjudged; cluster "b": 0.7.
    std::vector<Candidate> cs{make_candidate(1, "a", {{"judge", 0.9}}), make_candidate(2, "a", {{"judge", 0.3}}),
                              make_candidate(3, "a"), make_candidate(4, "b", {{"judge", 0.7}})};
    REQUIRE(braid::verifiers::detail::cluster_score(cs, {"a", {0, 1, 2}}, "judge") == Approx(0.6));
    REQUIRE_FALSE(braid::verifiers::detail::cluster_score(cs, {"a", {2}}, "judge").has_value());
    auto s = select_hybrid(cs);
    REQUIRE(s.index == 3u);
    REQUIRE(s.ties == Ties{3});
}

TEST_CASE("Hybrid breaks ties by the larger cluster, then the shorter patch, then the lowest index",
          "[verifiers][selection][hybrid]") {
    SECTION("larger cluster; equal sizes and key lengths tie and list every member") {
        std::vector<Candidate> cs{make_candidate(1, "long-patch", {{"judge", 0.5}}), make_candidate(2, "ab", {{"judge", 0.5}}),
                                  make_candidate(3, "cd", {{"judge", 0.5}}), make_candidate(4, "ab", {{"judge", 0.5}}),
                                  make_candidate(5, "cd", {{"judge", 0.5}})};
        auto s = select_hybrid(cs);
        REQUIRE(s.index == 1u);
        REQUIRE(s.ties == Ties{1, 2, 3, 4});
        REQUIRE(contains(s.reason, "larger cluster (2) keeps 2"));
        REQUIRE(contains(s.reason, "lowest index of 2 tied clusters"));
    }
    SECTION("shorter patch") {
        std::vector<Candidate> cs{make_candidate(1, "abc"), make_candidate(2, "ab"), make_candidate(3, "abc"),
                                  make_candidate(4, "ab")};
        auto s = select_hybrid(cs);
        REQUIRE(s.index == 1u);
        REQUIRE(s.ties == Ties{1, 3});
        REQUIRE(contains(s.reason, "shorter patch"));
    }
}

TEST_CASE("On an R2E-Gym-style matrix hybrid is right where majority, EF-only and EB-only are wrong",
          "[verifiers][selection][hybrid]") {
    // w1 ×3: a popular wrong fix that breaks a test. w2: a convincing-looking wrong fix (judge
    // 0.95) that breaks two. w3 ×2: harmless and wrong, badly judged. fix: the one correct patch.
    auto c = [](std::int64_t node, std::string key, double judge, double regression, bool correct) {
        return make_candidate(node, std::move(key),
                              {{"judge", judge}, {"regression", regression}, {"apply", 1}, {"oracle", correct ? 1 : 0}});
    };
    std::vector<Candidate> cs{c(0, "w1", 0.5, -1, false), c(1, "w2", 0.95, -2, false), c(2, "w1", 0.5, -1, false),
                              c(3, "w3", 0.2, 0, false),  c(4, "fix", 0.8, 0, true),   c(5, "w1", 0.5, -1, false),
                              c(6, "w3", 0.2, 0, false)};
    auto majority = braid::verifiers::select_by_rule("majority", cs);
    auto ef_only = braid::verifiers::select_by_rule("best-score:judge", cs);
    auto eb_only = braid::verifiers::select_by_rule("majority-of-best:regression", cs);
    auto hybrid = braid::verifiers::select_by_rule("hybrid", cs);
    REQUIRE(majority->index == 0u);
    REQUIRE(ef_only->index == 1u);
    REQUIRE(eb_only->index == 3u);
    REQUIRE(hybrid->index == 4u);
    REQUIRE(hybrid->reason == "hybrid: 4 clusters → judge top 3 → regression 0 → repro skipped (no verdict) → judge 0.8");
    REQUIRE(braid::verifiers::expected_accuracy(*majority, cs) == 0.0);
    REQUIRE(braid::verifiers::expected_accuracy(*ef_only, cs) == 0.0);
    REQUIRE(braid::verifiers::expected_accuracy(*eb_only, cs) == 0.0);
    REQUIRE(braid::verifiers::expected_accuracy(*hybrid, cs) == 1.0);
}
