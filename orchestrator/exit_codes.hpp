#pragma once
// Process exit codes of every braid command (DESIGN §1).

namespace braid::orchestrator {

enum ExitCode : int {
    exit_ok = 0,                // solved / ok
    exit_unsolved = 1,          // ran, but some task is unsolved
    exit_bad_input = 2,         // malformed input, unknown option value, unusable path
    exit_infra_failure = 3,     // a backend or the infrastructure failed
    exit_budget_exhausted = 4,  // the budget stopped work before it finished
    // SIGINT or SIGTERM stopped the run, which stays resumable: 128 + the signal's number (130,
    // 143), as a shell reports a process the signal killed.
    exit_interrupted_base = 128,
};

}  // namespace braid::orchestrator
