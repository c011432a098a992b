#pragma once
// The `apply` verifier for patches (reference/swe_verify_budget.md §8b item 1), a hard filter: the
// patch applies to the base commit with the harness chain (Workspace::apply_patch) in a fresh
// workspace, and every `.py` file it touches that exists afterwards compiles
// (`python3 -m py_compile`, run through the sandbox). Score 1 when both hold, else 0. Uses
// nothing hidden.

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "tasks/env/sandbox.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tasks/swe/workspace.hpp"

namespace braid::verifiers {

struct ApplyVerdict {
    bool applied = false;
    std::string method;  // how it went in ("git apply", ...); "" when it did not
    std::map<std::string, std::string> syntax_errors;  // touched file → the compiler's message
    std::string error;  // why it did not apply (the last tool's output)
    double wall_ms = 0;
    double score() const { return applied && syntax_errors.empty() ? 1.0 : 0.0; }
    // {"applied", "method", "syntax_errors": {file: message}, "error", "wall_ms"}
    nlohmann::json details() const;
};

// Blocking (a workspace, then one short sandboxed run per touched .py file): call on a pool
// thread. Errors: only infrastructure (the repository or base commit missing, as
// Workspace::create; the sandbox or python3 could not run).
Result<ApplyVerdict> check_apply(const tasks::swe::SweTask& task, const std::string& patch,
                                 const tasks::env::Sandbox& sandbox,
                                 std::shared_ptr<tasks::swe::WorkspaceRoot> root);

}  // namespace braid::verifiers
