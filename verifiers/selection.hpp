#pragma once
// Selection rules over scored candidates (reference/swe_verify_budget.md §7, §8b). Pure and
// deterministic: the same candidates give the same choice, and the last tie-break is always the
// lower candidate index (candidates are listed in their threads' creation order, seed-stable).
// No rule reads the `oracle` verifier.
//
// Rules by name (select_by_rule):
//   majority                   the largest cluster of equal non-empty normalized answers
//   weighted-majority:<v>      the cluster with the largest sum of <v> scores (Snell's weighted
//                              best-of-N); members without a <v> score add nothing
//   best-score:<v>             best-of-N: the highest <v> score; candidates without one never win
//   majority-of-best:<v>       keep the highest <v> score, then majority (Agentless's rerank)
//   first-finish               the candidate marked first by the first-finish verifier
//   shortest                   the highest `length` score (the shortest trace)
//   hybrid                     the cascade of §8b over clusters of normalized patches:
//                                1. drop candidates with apply = 0 or an empty key; cluster
//                                2. if any has a judge score: keep the top k clusters by judge
//                                   (k = max(3, ⌊n_clusters / 2⌋); ranked by judge, then the
//                                   tie-breaks of step 6)
//                                3. keep the clusters with the highest regression score
//                                4. keep the most repro votes, unless the survivors' repro
//                                   signatures are all equal (distinguishability 1: no signal)
//                                5. keep the highest judge score
//                                6. tie-breaks: larger cluster, then shorter normalized key, then
//                                   the lowest index
//                              a cluster's score for a verifier is the mean over its members that
//                              have one; a step whose verifier no survivor has is skipped
//   selector                   the candidate a selection thread chose (selector = 1), else hybrid
//   weighted:<v>=<w>,...       ablations: s = Σ w·z(v) (+ w·log(cluster size) for the pseudo-verifier
//                              `majority`), z = the score standardized over the candidates that
//                              have it (0 when missing or when all are equal); the highest s wins

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "verifiers/candidate.hpp"

namespace braid::verifiers {

Selection select_majority(const std::vector<Candidate>& candidates);
Selection select_weighted_majority(const std::vector<Candidate>& candidates, std::string_view verifier);
Selection select_best_score(const std::vector<Candidate>& candidates, std::string_view verifier);
Selection select_majority_of_best(const std::vector<Candidate>& candidates, std::string_view verifier);
Selection select_first_finish(const std::vector<Candidate>& candidates);
Selection select_hybrid(const std::vector<Candidate>& candidates);

// The number of distinct non-empty repro signatures among `candidates` (0 when none has one).
std::size_t repro_distinguishability(const std::vector<Candidate>& candidates);

// Applies the rule named `rule`. Errors (invalid_input): an unknown rule, a malformed weighted
// spec, or a rule that names the oracle; the message lists the known rules.
Result<Selection> select_by_rule(std::string_view rule, const std::vector<Candidate>& candidates);

// The verifiers a rule reads (for its cost in `braid eval` and for replay's missing-verdict check).
// Errors as select_by_rule.
Result<std::vector<std::string>> rule_verifiers(std::string_view rule);

// The rules `braid eval` compares for candidates that carry `verifiers` scores: majority, and each
// rule whose verifiers are all present (best-score:<v> for every visible v, weighted-majority on
// judge/confidence, shortest, first-finish, majority-of-best:regression, hybrid, selector).
std::vector<std::string> applicable_rules(const std::vector<std::string>& verifiers);

}  // namespace braid::verifiers
