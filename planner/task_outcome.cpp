#include "planner/task_outcome.hpp"

#include <nlohmann/json.hpp>

#include "core/assert.hpp"
#include "store/store.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/task_checker.hpp"

namespace braid::planner {

namespace {

verifiers::Candidate store_candidate(workers::RunServices& services, const TaskScope& scope, NodeId node,
                                     std::string output, std::int64_t completion_tokens,
                                     const tasks::Grade* grade) {
    store::RunRecorder& rec = services.recorder;
    verifiers::Candidate c;
    c.node = node;
    c.output = std::move(output);
    c.completion_tokens = completion_tokens;
    const std::string_view grader =
        scope.kind->grade_is_hidden() ? verifiers::oracle_verifier : verifiers::checker_verifier;
    verifiers::Verdict verdict = grade ? verifiers::apply_grade(*grade, c, grader)
                                       : verifiers::check_with_task(*scope.kind, *scope.task, c);
    rec.store().put_candidate(store::CandidateRecord{rec.run(), c.node, scope.task->id, c.output, c.normalized});
    rec.store().put_verdict(store::VerdictRecord{rec.run(), c.node, scope.task->id, verdict.verifier, verdict.score,
                                                 0.0, verdict.details_json});
    return c;
}

}  // namespace

verifiers::Candidate record_candidate(workers::RunServices& services, const TaskScope& scope, NodeId node,
                                      std::string output, std::int64_t completion_tokens) {
    return store_candidate(services, scope, node, std::move(output), completion_tokens, nullptr);
}

verifiers::Candidate record_graded_candidate(workers::RunServices& services, const TaskScope& scope, NodeId node,
                                             std::string output, std::int64_t completion_tokens,
                                             const tasks::Grade& grade) {
    return store_candidate(services, scope, node, std::move(output), completion_tokens, &grade);
}

void record_verdict(workers::RunServices& services, const TaskScope& scope, verifiers::Candidate& candidate,
                    std::string_view verifier, double score, double cost_usd, std::string details_json) {
    candidate.scores[std::string(verifier)] = score;
    store::RunRecorder& rec = services.recorder;
    rec.store().put_verdict(store::VerdictRecord{rec.run(), candidate.node, scope.task->id, std::string(verifier),
                                                 score, cost_usd, std::move(details_json)});
}

void Shortfall::note(const Error& error) {
    if (error.code == ErrorCode::budget_exhausted) budget_refused = true;
    if (error.code != ErrorCode::cancelled) last_error = error.describe();
}

void Shortfall::note_thread(std::string_view status, const std::string& reason) {
    if (status == "budget_exhausted") budget_refused = true;
    if (status != "cancelled" && status != "budget_exhausted") last_error = reason;
}

void select_outcome(workers::RunServices& services, const TaskScope& scope, std::string_view rule,
                    std::string_view label, const std::vector<NodeId>& threads, const Shortfall& shortfall,
                    TaskOutcome& outcome) {
    store::RunRecorder& rec = services.recorder;
    NodeId join = rec.create_node(scope.node, scope.path + "/select", "join", std::string(label));
    rec.set_status(join, "running");
    for (NodeId t : threads) rec.add_edge(t, join, "join");

    auto selection = verifiers::select_by_rule(rule, outcome.candidates);
    BRAID_ASSERT(selection.has_value(), "built-in strategies name valid rules");
    outcome.selection = std::move(*selection);
    if (outcome.selection.index) {
        const verifiers::Candidate& chosen = outcome.candidates[*outcome.selection.index];
        outcome.status = verifiers::correctness(chosen).value_or(false) ? TaskStatus::solved : TaskStatus::unsolved;
    } else if (outcome.candidates.empty() && shortfall.budget_refused) {
        outcome.status = TaskStatus::budget_exhausted;
        outcome.error = "budget exhausted before any thread finished";
    } else if (outcome.candidates.empty() && !shortfall.last_error.empty()) {
        outcome.status = TaskStatus::failed;
        outcome.error = shortfall.last_error;
    }
    nlohmann::json payload{{"rule", outcome.selection.rule},
                           {"reason", outcome.selection.reason},
                           {"candidates", outcome.candidates.size()},
                           {"status", std::string(to_string(outcome.status))},
                           {"metrics", to_json(outcome.metrics)}};
    if (outcome.selection.index) {
        const verifiers::Candidate& chosen = outcome.candidates[*outcome.selection.index];
        payload["node"] = chosen.node.value;
        payload["answer"] = chosen.normalized;
    }
    rec.event(join, "selected", payload.dump());
    rec.set_status(join, "finished");
}

}  // namespace braid::planner
