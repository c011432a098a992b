#pragma once
// Runs a selection thread's test script (verifiers/selector_thread.hpp) for an SWE task: once in a
// fresh workspace at the base commit, then once with each candidate fix applied, each under the
// sandbox with the task's command timeout. Blocking; call on a pool thread.

#include <memory>
#include <string>
#include <vector>

#include "tasks/env/sandbox.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tasks/swe/workspace.hpp"
#include "verifiers/selector_thread.hpp"

namespace braid::verifiers {

// Results in the order base, fixes[0], fixes[1], ... A fix that does not apply gives exit -1 with
// the apply error as output. Errors: infrastructure only (the repository or base commit missing).
Result<std::vector<ScriptRun>> run_script_on_fixes(const tasks::swe::SweTask& task, const std::vector<std::string>& fixes,
                                                   const std::string& script, const tasks::env::Sandbox& sandbox,
                                                   std::shared_ptr<tasks::swe::WorkspaceRoot> root);

}  // namespace braid::verifiers
