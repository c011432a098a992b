#pragma once
// Candidates and verdicts (DESIGN §3.6): an output becomes a candidate with a normalized answer
// key; verifiers add scores by name; a selection rule picks one candidate.
//
// Verifier names (a candidate's `scores` keys; the `verdicts.verifier` column):
//   checker       the task's own visible checker (Countdown's arithmetic, an answer match): 1 / 0
//   oracle        a grade that reads hidden data (SWE: the hidden tests). Evaluation only: no
//                 selection rule may read it (select_by_rule refuses a rule naming it)
//   apply         the patch applies to the base commit: 1 / 0 (a hard filter)
//   regression    −(tests that passed at base and fail with the patch)
//   repro         model-written reproduction tests (kept only if they fail at base) that pass with
//                 the candidate; the pass/fail row is Candidate::repro_signature
//   judge         a model's probability that the candidate is correct, in [0, 1]
//   confidence    the mean token logprob of the candidate's generation (≤ 0; higher is surer)
//   length        −(completion tokens of the candidate's thread): shorter scores higher
//   first-finish  1 for the first thread to finish, else 0
//   selector      1 for the candidate a selection thread chose, 0 for the others it saw

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"

namespace braid::verifiers {

inline constexpr std::string_view checker_verifier = "checker";
inline constexpr std::string_view oracle_verifier = "oracle";
inline constexpr std::string_view apply_verifier = "apply";
inline constexpr std::string_view regression_verifier = "regression";
inline constexpr std::string_view repro_verifier = "repro";
inline constexpr std::string_view judge_verifier = "judge";
inline constexpr std::string_view confidence_verifier = "confidence";
inline constexpr std::string_view length_verifier = "length";
inline constexpr std::string_view first_finish_verifier = "first-finish";
inline constexpr std::string_view selector_verifier = "selector";

struct Candidate {
    NodeId node;              // the thread that produced it
    std::string output;
    std::string normalized;   // answer key; "" when the output holds no answer
    std::int64_t completion_tokens = 0;
    std::map<std::string, double> scores;  // verifier name → score (higher is better)
    // One character per kept reproduction test, in the same test order for every candidate of a
    // task: '1' the test passes with this candidate, '0' it does not. "" = no repro verdict.
    std::string repro_signature;

    std::optional<double> score(std::string_view verifier) const {
        auto it = scores.find(std::string(verifier));
        if (it == scores.end()) return std::nullopt;
        return it->second;
    }
};

// Whether the candidate is correct, for evaluation and a task's solved/unsolved status: the
// oracle's verdict when there is one, else the checker's; nullopt when neither graded it.
std::optional<bool> correctness(const Candidate& candidate);

struct Selection {
    std::optional<std::size_t> index;  // into the candidate list; empty when nothing qualifies
    std::string rule;
    std::string reason;
    // Every candidate the rule could not tell apart from the chosen one, by the criteria it scores
    // (the chosen one included; the final lowest-index tie-break is not a criterion). Offline
    // evaluation scores a selection by the mean correctness over this set (expected accuracy
    // under a random tie-break). Empty when index is empty.
    std::vector<std::size_t> ties;
};

}  // namespace braid::verifiers
