#include "verifiers/regression_check.hpp"

#include <chrono>

#include <nlohmann/json.hpp>

#include "tasks/swe/grading.hpp"

namespace braid::verifiers {

nlohmann::json RegressionVerdict::details() const {
    return nlohmann::json{{"applied", applied},       {"apply_method", apply_method}, {"regressions", regressions},
                          {"base_passing", base_passing}, {"error", error},           {"wall_ms", wall_ms}};
}

Result<RegressionVerdict> check_regressions(const tasks::swe::SweTask& task, const std::string& patch,
                                            const tasks::swe::TestStatusMap& base, const tasks::env::Sandbox& sandbox,
                                            std::shared_ptr<tasks::swe::WorkspaceRoot> root) {
    const auto started = std::chrono::steady_clock::now();
    RegressionVerdict v;
    for (const auto& [name, status] : base) v.base_passing += status == tasks::swe::TestStatus::passed;
    auto workspace = tasks::swe::Workspace::create(std::move(root), task.env.repo_path, task.base_commit, "regression");
    if (!workspace) return std::move(workspace).error();
    auto applied = workspace->apply_patch(patch);
    if (!applied) {
        v.error = applied.error().message;
    } else {
        v.applied = true;
        v.apply_method = *applied;
        auto run = tasks::swe::run_tests(*workspace, task.env, {}, sandbox);
        if (run) {
            v.regressions = tasks::swe::regressions(base, run->statuses);
        } else {
            v.error = run.error().message;
            tasks::swe::TestStatusMap none;
            v.regressions = tasks::swe::regressions(base, none);
        }
    }
    v.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    return v;
}

}  // namespace braid::verifiers
