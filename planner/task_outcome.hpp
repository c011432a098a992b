#pragma once
// The end of every strategy's solve(): outputs become graded, stored candidates, a selection rule
// picks one on a "select" join node, and the task's status follows from the chosen candidate.

#include <string>
#include <string_view>

#include "planner/strategy.hpp"

namespace braid::planner {

// Grades `output` with the task's checker, stores the candidate and its verdict ("checker", or
// "oracle" for a kind whose grade is hidden), and returns it (normalized key and score filled in).
verifiers::Candidate record_candidate(workers::RunServices& services, const TaskScope& scope, NodeId node,
                                      std::string output, std::int64_t completion_tokens);
// The same with a grade computed beforehand (off the executor, for kinds whose grading is slow).
verifiers::Candidate record_graded_candidate(workers::RunServices& services, const TaskScope& scope, NodeId node,
                                             std::string output, std::int64_t completion_tokens,
                                             const tasks::Grade& grade);

// Records `score` as `verifier`'s verdict on `candidate`: in its scores and in the store, with the
// verdict's cost (the candidate's share) and details.
void record_verdict(workers::RunServices& services, const TaskScope& scope, verifiers::Candidate& candidate,
                    std::string_view verifier, double score, double cost_usd, std::string details_json);

// Why threads produced no candidate, gathered while collecting them.
struct Shortfall {
    bool budget_refused = false;  // some thread was refused by the ledger
    std::string last_error;       // the last failure other than cancellation
    void note(const Error& error);
    // A thread that ended without output (workers::ThreadResult::status and reason).
    void note_thread(std::string_view status, const std::string& reason);
};

// Creates the "<path>/select" join node with a "join" edge from each of `threads`, applies `rule`
// to outcome.candidates, sets outcome.selection and outcome.status (solved when the chosen
// candidate passes the checker; budget_exhausted / failed when there is no candidate and
// `shortfall` says why), and records the "selected" event.
void select_outcome(workers::RunServices& services, const TaskScope& scope, std::string_view rule,
                    std::string_view label, const std::vector<NodeId>& threads, const Shortfall& shortfall,
                    TaskOutcome& outcome);

}  // namespace braid::planner
