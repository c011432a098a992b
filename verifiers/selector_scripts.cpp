#include "verifiers/selector_scripts.hpp"

#include <fstream>

#include "tasks/swe/grading.hpp"

namespace braid::verifiers {

namespace {

constexpr const char* kScriptName = ".braid_selection_test.py";

Result<ScriptRun> run_in(const tasks::swe::SweTask& task, const std::string* fix, const std::string& script,
                         const tasks::env::Sandbox& sandbox, std::shared_ptr<tasks::swe::WorkspaceRoot> root) {
    auto workspace = tasks::swe::Workspace::create(std::move(root), task.env.repo_path, task.base_commit, "select");
    if (!workspace) return std::move(workspace).error();
    ScriptRun run;
    if (fix) {
        auto applied = workspace->apply_patch(*fix);
        if (!applied) {
            run.output = "the fix does not apply: " + applied.error().message;
            return run;
        }
    }
    const std::filesystem::path file = workspace->dir() / kScriptName;
    {
        std::ofstream out(file, std::ios::binary);
        out << script;
        if (!out) return make_error(ErrorCode::io, "cannot write " + file.string());
    }
    auto policy = tasks::swe::workspace_policy(task.env, *workspace, task.env.command_timeout_s);
    auto done = sandbox.run({"python3", kScriptName}, workspace->dir(), policy);
    if (!done) return std::move(done).error();
    run.exit_code = done->timed_out ? -1 : done->exit_code;
    run.output = done->out + done->err;
    if (done->timed_out) run.output += "\n(timed out)";
    run.wall_ms = done->wall_ms;
    return run;
}

}  // namespace

Result<std::vector<ScriptRun>> run_script_on_fixes(const tasks::swe::SweTask& task, const std::vector<std::string>& fixes,
                                                   const std::string& script, const tasks::env::Sandbox& sandbox,
                                                   std::shared_ptr<tasks::swe::WorkspaceRoot> root) {
    std::vector<ScriptRun> runs;
    auto base = run_in(task, nullptr, script, sandbox, root);
    if (!base) return std::move(base).error();
    runs.push_back(std::move(*base));
    for (const std::string& fix : fixes) {
        auto r = run_in(task, &fix, script, sandbox, root);
        if (!r) return std::move(r).error();
        runs.push_back(std::move(*r));
    }
    return runs;
}

}  // namespace braid::verifiers
