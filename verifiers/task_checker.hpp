#pragma once
// The task's own checker as a verifier (for Countdown: the arithmetic check of the solution path).
// Cheap and deterministic, so it costs nothing on the ledger; its verdict is score 1 (accepted) or
// 0 (rejected) under the name "checker", with the checker's reason as details.

#include "tasks/task_kind.hpp"
#include "verifiers/candidate.hpp"
#include "verifiers/selection.hpp"

namespace braid::verifiers {

struct Verdict {
    std::string verifier;
    double score = 0;
    std::string details_json;
};

// Grades `candidate` with the task kind's checker, fills its normalized key and "checker" score.
Verdict check_with_task(const tasks::TaskKind& kind, const tasks::Task& task, Candidate& candidate);

// The same from a grade already computed (kinds whose grading is slow run it on a pool).
Verdict apply_grade(const tasks::Grade& grade, Candidate& candidate);

}  // namespace braid::verifiers
