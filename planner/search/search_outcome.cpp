#include "planner/search/search_outcome.hpp"

namespace braid::planner::search {

TaskOutcome make_outcome(workers::RunServices& services, const TaskScope& scope,
                         std::string_view strategy, std::string_view rule, std::vector<Found> found,
                         const verifiers::Shortfall& stop) {
    const verifiers::VerdictRecorder verdicts = verdict_recorder(services, scope);
    TaskOutcome outcome;
    std::vector<NodeId> joined;
    for (Found& f : found) {
        joined.push_back(f.node);
        verifiers::Candidate c =
            verdicts.record_candidate(f.node, std::move(f.text), f.completion_tokens);
        for (const auto& [verifier, score] : f.scores) verdicts.record_verdict(c, verifier, score);
        outcome.candidates.push_back(std::move(c));
    }

    // A search the ledger stopped ends budget_exhausted unless its selection is correct anyway.
    verifiers::Fallback fallback = stop.fallback(outcome.candidates.size());
    if (stop.budget_refused)
        fallback = {store::TaskStatus::budget_exhausted,
                    outcome.candidates.empty()
                        ? "budget exhausted before any step finished"
                        : "budget exhausted; the best candidate so far is kept"};
    verdicts.select({.rule = std::string(rule),
                     .label = std::string(strategy),
                     .joined = std::move(joined),
                     .fallback = std::move(fallback)},
                    outcome);
    return outcome;
}

}  // namespace braid::planner::search
