#include "planner/search/search_outcome.hpp"

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/task_checker.hpp"

namespace braid::planner::search {

TaskOutcome make_outcome(workers::RunServices& services, const TaskScope& scope,
                         std::string_view strategy, std::string_view rule, std::vector<Found> found,
                         const SearchStop& stop) {
    store::RunRecorder& rec = services.recorder;
    const tasks::Task& task = *scope.task;
    NodeId join =
        rec.create_node(scope.node, scope.path + "/select", "join", std::string(strategy));
    rec.set_status(join, "running");

    TaskOutcome outcome;
    for (Found& f : found) {
        rec.add_edge(f.node, join, "join");
        verifiers::Candidate c;
        c.node = f.node;
        c.output = std::move(f.text);
        c.completion_tokens = f.completion_tokens;
        verifiers::Verdict verdict = verifiers::check_with_task(*scope.kind, task, c);
        rec.store().put_candidate(
            store::CandidateRecord{rec.run(), c.node, task.id, c.output, c.normalized});
        rec.store().put_verdict(store::VerdictRecord{rec.run(), c.node, task.id, verdict.verifier,
                                                     verdict.score, 0.0, verdict.details_json});
        for (const auto& [verifier, score] : f.scores) {
            c.scores[verifier] = score;
            rec.store().put_verdict(
                store::VerdictRecord{rec.run(), c.node, task.id, verifier, score, 0.0, "{}"});
        }
        outcome.candidates.push_back(std::move(c));
    }

    auto selection = verifiers::select_by_rule(rule, outcome.candidates);
    BRAID_ASSERT(selection.has_value(), "search strategies name valid rules");
    outcome.selection = std::move(*selection);
    const bool solved =
        outcome.selection.index && outcome.candidates[*outcome.selection.index]
                                           .score(std::string(verifiers::checker_verifier))
                                           .value_or(0) > 0;
    if (solved) {
        outcome.status = TaskStatus::solved;
    } else if (stop.budget_refused) {
        outcome.status = TaskStatus::budget_exhausted;
        outcome.error = outcome.candidates.empty()
                            ? "budget exhausted before any step finished"
                            : "budget exhausted; the best candidate so far is kept";
    } else if (outcome.candidates.empty() && !stop.error.empty()) {
        outcome.status = TaskStatus::failed;
        outcome.error = stop.error;
    }

    nlohmann::json payload{{"rule", outcome.selection.rule},
                           {"reason", outcome.selection.reason},
                           {"candidates", outcome.candidates.size()},
                           {"status", std::string(to_string(outcome.status))}};
    if (outcome.selection.index) {
        const verifiers::Candidate& chosen = outcome.candidates[*outcome.selection.index];
        payload["node"] = chosen.node.value;
        payload["answer"] = chosen.normalized;
    }
    rec.event(join, "selected", payload.dump());
    rec.set_status(join, "finished");
    return outcome;
}

}  // namespace braid::planner::search
