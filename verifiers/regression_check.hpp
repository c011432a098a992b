#pragma once
// Regression tests as a selection verifier for patches (reference/swe_verify_budget.md §8b item 3):
// the repository's own suite, as the task's env.test_cmd runs it, at base and with the candidate
// patch applied in a fresh workspace. Uses nothing hidden: not test_patch, not FAIL_TO_PASS or
// PASS_TO_PASS. Score = −(tests that passed at base and no longer pass); a patch that does not
// apply gets no score (it is filtered out); a suite that cannot run with the patch (nothing
// parsable, a timeout) loses every test that passed at base.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tasks/env/sandbox.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tasks/swe/test_log.hpp"
#include "tasks/swe/workspace.hpp"
#include "verifiers/candidate.hpp"

namespace braid::verifiers {

struct RegressionVerdict {
    bool applied = false;
    std::string apply_method;
    std::vector<std::string> regressions;  // tests that passed at base and do not now
    std::size_t base_passing = 0;
    std::string error;                     // why the suite gave no result with the patch, or why it did not apply
    double wall_ms = 0;
    double score() const { return -static_cast<double>(regressions.size()); }
    nlohmann::json details() const;
};

// Blocking (a workspace and one run of the suite): call on a pool thread.
// Errors: only infrastructure (the repository or base commit missing), as Workspace::create.
Result<RegressionVerdict> check_regressions(const tasks::swe::SweTask& task, const std::string& patch,
                                            const tasks::swe::TestStatusMap& base, const tasks::env::Sandbox& sandbox,
                                            std::shared_ptr<tasks::swe::WorkspaceRoot> root);

}  // namespace braid::verifiers
