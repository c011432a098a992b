#include "verifiers/task_checker.hpp"
#include "core/json_text.hpp"

#include <nlohmann/json.hpp>

namespace braid::verifiers {

Verdict check_with_task(const tasks::TaskKind& kind, const tasks::Task& task, Candidate& candidate) {
    return apply_grade(kind.grade(task, candidate.output), candidate,
                       kind.grade_is_hidden() ? oracle_verifier : checker_verifier);
}

Verdict apply_grade(const tasks::Grade& grade, Candidate& candidate, std::string_view verifier) {
    candidate.normalized = grade.normalized;
    double score = grade.correct ? 1.0 : 0.0;
    candidate.scores[std::string(verifier)] = score;
    return Verdict{std::string(verifier), score,
                   json_text(nlohmann::json{{"correct", grade.correct}, {"reason", grade.reason}})};
}

}  // namespace braid::verifiers
