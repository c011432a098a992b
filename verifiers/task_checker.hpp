#pragma once
// The task's own grade as a verifier (for Countdown: the arithmetic check of the solution path;
// for SWE: the hidden tests, as the evaluation-only oracle). It costs nothing on the ledger; its
// verdict is score 1 (accepted) or 0 (rejected), with the grade's reason as details.

#include "tasks/task_kind.hpp"
#include "verifiers/candidate.hpp"
#include "verifiers/selection.hpp"

namespace braid::verifiers {

struct Verdict {
    std::string verifier;
    double score = 0;
    std::string details_json;
};

// Grades `candidate` with the task kind's checker, fills its normalized key and its "checker"
// score, or "oracle" when the kind's grade reads hidden data (TaskKind::grade_is_hidden).
Verdict check_with_task(const tasks::TaskKind& kind, const tasks::Task& task, Candidate& candidate);

// The same from a grade already computed (kinds whose grading is slow run it on a pool), under
// the verifier name `verifier` (checker_verifier or oracle_verifier).
Verdict apply_grade(const tasks::Grade& grade, Candidate& candidate,
                    std::string_view verifier = checker_verifier);

}  // namespace braid::verifiers
