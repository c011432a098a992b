#pragma once
// The end of a search or refinement (planner/search): what it found becomes candidates, graded by
// the task's checker, and one is selected, all recorded by verifiers::VerdictRecorder.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "planner/strategy.hpp"

namespace braid::planner::search {

struct Found {
    NodeId node;                           // the node whose thread wrote `text`
    std::string text;                      // the output after the task prompt
    std::int64_t completion_tokens = 0;    // along the thread
    std::map<std::string, double> scores;  // verdicts besides the checker's, by verifier name
};

// Grades each found text with the task's checker, records candidates and verdicts (the checker's
// and `found.scores`), selects with `rule` and records a "select" join node below the task with
// the selection (verifiers::VerdictRecorder). Candidates keep the order given (list them by node
// id, the order `braid replay` reads them in, so replay selects the same one).
//
// `stop` says why the search stopped: the ledger refused a call (budget_refused), or the last
// other failure (last_error). Status: solved when the selected candidate is correct;
// budget_exhausted when the ledger stopped the search first (the best candidate so far is still
// selected); failed when nothing was found because of another error; unsolved otherwise.
TaskOutcome make_outcome(workers::RunServices& services, const TaskScope& scope,
                         std::string_view strategy, std::string_view rule, std::vector<Found> found,
                         const verifiers::Shortfall& stop);

}  // namespace braid::planner::search
