#pragma once
// Process exit codes of every braid command (DESIGN §1).

namespace braid::orchestrator {

enum ExitCode : int {
    exit_ok = 0,                // solved / ok
    exit_unsolved = 1,          // ran, but some task is unsolved
    exit_bad_input = 2,         // malformed input, unknown option value, unusable path
    exit_infra_failure = 3,     // a backend or the infrastructure failed
    exit_budget_exhausted = 4,  // the budget stopped work before it finished
};

}  // namespace braid::orchestrator
