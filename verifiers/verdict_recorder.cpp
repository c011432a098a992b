#include "verifiers/verdict_recorder.hpp"

#include "core/assert.hpp"
#include "core/json_text.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/task_checker.hpp"

namespace braid::verifiers {

void Shortfall::note(const Error& error) {
    if (error.code == ErrorCode::budget_exhausted) budget_refused = true;
    if (error.code != ErrorCode::cancelled) last_error = error.describe();
}

void Shortfall::note_thread(workers::ThreadStatus status, const std::string& reason) {
    if (status == workers::ThreadStatus::budget_exhausted) budget_refused = true;
    if (status != workers::ThreadStatus::cancelled &&
        status != workers::ThreadStatus::budget_exhausted)
        last_error = reason;
}

Fallback Shortfall::fallback(std::size_t candidates) const {
    if (candidates == 0 && budget_refused)
        return Fallback{store::TaskStatus::budget_exhausted,
                        "budget exhausted before any thread finished"};
    if (candidates == 0 && !last_error.empty())
        return Fallback{store::TaskStatus::failed, last_error};
    return Fallback{};
}

VerdictRecorder::VerdictRecorder(store::RunRecorder& recorder, const tasks::Task& task,
                                 const tasks::TaskKind& kind, NodeId node, std::string path)
    : recorder_(&recorder), task_(&task), kind_(&kind), node_(node), path_(std::move(path)) {}

Candidate VerdictRecorder::store_candidate(NodeId node, std::string output, std::int64_t completion_tokens,
                                           const tasks::Grade* grade) const {
    Candidate c;
    c.node = node;
    c.output = std::move(output);
    c.completion_tokens = completion_tokens;
    const std::string_view grader = kind_->grade_is_hidden() ? oracle_verifier : checker_verifier;
    Verdict verdict = grade ? apply_grade(*grade, c, grader) : check_with_task(*kind_, *task_, c);
    store::RunRecorder& rec = *recorder_;
    rec.store().put_candidate(store::CandidateRecord{rec.run(), c.node, task_->id, c.output, c.normalized});
    rec.store().put_verdict(store::VerdictRecord{rec.run(), c.node, task_->id, verdict.verifier, verdict.score, 0.0,
                                                 verdict.details_json});
    return c;
}

Candidate VerdictRecorder::record_candidate(NodeId node, std::string output, std::int64_t completion_tokens) const {
    return store_candidate(node, std::move(output), completion_tokens, nullptr);
}

Candidate VerdictRecorder::record_graded_candidate(NodeId node, std::string output, std::int64_t completion_tokens,
                                                   const tasks::Grade& grade) const {
    return store_candidate(node, std::move(output), completion_tokens, &grade);
}

void VerdictRecorder::record_verdict(Candidate& candidate, std::string_view verifier, double score, double cost_usd,
                                     std::string details_json) const {
    candidate.scores[std::string(verifier)] = score;
    store::RunRecorder& rec = *recorder_;
    rec.store().put_verdict(store::VerdictRecord{rec.run(), candidate.node, task_->id, std::string(verifier), score,
                                                 cost_usd, std::move(details_json)});
}

void VerdictRecorder::select(SelectStep step, TaskVerdict& verdict) const {
    store::RunRecorder& rec = *recorder_;
    NodeId join =
        rec.create_node(node_, path_ + "/select", store::NodeKind::join, std::move(step.label));
    rec.set_status(join, store::NodeStatus::running);
    for (NodeId t : step.joined) rec.add_edge(t, join, store::EdgeKind::join);

    auto selection = select_by_rule(step.rule, verdict.candidates);
    BRAID_ASSERT(selection.has_value(), "strategies and pipelines name valid rules");
    verdict.selection = std::move(*selection);
    const Candidate* chosen =
        verdict.selection.index ? &verdict.candidates[*verdict.selection.index] : nullptr;
    if (chosen && correctness(*chosen).value_or(false)) {
        verdict.status = store::TaskStatus::solved;
    } else {
        verdict.status = step.fallback.status;
        verdict.error = std::move(step.fallback.error);
    }

    nlohmann::json payload = std::move(step.event);
    payload["rule"] = verdict.selection.rule;
    payload["reason"] = verdict.selection.reason;
    payload["candidates"] = verdict.candidates.size();
    payload["status"] = std::string(to_string(verdict.status));
    if (chosen) {
        payload["node"] = chosen->node.value;
        payload["answer"] = chosen->normalized;
    }
    rec.event(join, "selected", json_text(payload));
    rec.set_status(join, step.failed ? store::NodeStatus::failed : store::NodeStatus::finished);
}

}  // namespace braid::verifiers
