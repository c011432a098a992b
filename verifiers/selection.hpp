#pragma once
// Selection rules over scored candidates. Deterministic: ties are broken by the lower candidate
// index (candidates are listed in their threads' creation order, which is seed-stable).
//
//   majority        the largest cluster of equal non-empty normalized answers (self-consistency)
//   best_score      the highest score of one verifier; candidates without that score never win
//   first_finish    the candidate the first-finish verifier marked as the first to finish
//   majority_of_best  keep the candidates with the highest score of one verifier (those without
//                   it are dropped), then majority over their normalized answers (Agentless's
//                   rerank: fewest regressions, then the most common patch)

#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "verifiers/candidate.hpp"

namespace braid::verifiers {

inline constexpr std::string_view checker_verifier = "checker";
inline constexpr std::string_view first_finish_verifier = "first-finish";

Selection select_majority(const std::vector<Candidate>& candidates);
Selection select_best_score(const std::vector<Candidate>& candidates, std::string_view verifier);
Selection select_first_finish(const std::vector<Candidate>& candidates);
Selection select_majority_of_best(const std::vector<Candidate>& candidates, std::string_view verifier);

// Applies the rule named `rule` ("majority", "best-score:<verifier>", "first-finish",
// "majority-of-best:<verifier>").
Result<Selection> select_by_rule(std::string_view rule, const std::vector<Candidate>& candidates);

}  // namespace braid::verifiers
