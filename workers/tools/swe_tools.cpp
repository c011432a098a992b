// shell, apply_patch, run_tests and submit (swe_tools.hpp): blocking tools over tasks/swe.
#include "workers/tools/swe_tools.hpp"

#include <map>

#include "tasks/env/process.hpp"
#include "tasks/swe/grading.hpp"
#include "workers/tools/file_tools.hpp"
#include "workers/tools/tool_args.hpp"

namespace braid::workers::tools {

namespace {

constexpr std::size_t kMaxListedFailures = 30;

constexpr std::string_view kShellDescription =
    "shell {\"command\": str}: runs a shell command in the workspace (no network); returns the "
    "exit code and the output.";
constexpr std::string_view kApplyPatchDescription =
    "apply_patch {\"patch\": str}: applies a unified diff.";
constexpr std::string_view kRunTestsDescription =
    "run_tests {\"tests\"?: [str]}: runs the repository's test command, on the given tests when "
    "given; returns counts per status and the failures.";
constexpr std::string_view kSubmitDescription =
    "submit {}: ends your work; your changes to the workspace are the answer.";

// What the tools act on. Borrowed.
struct SweWorld {
    tasks::swe::Workspace* workspace;
    const tasks::swe::SweEnv* env;
    const tasks::env::Sandbox* sandbox;
};

class ShellTool final : public BlockingTool {
public:
    explicit ShellTool(SweWorld world) : world_(world) {}
    std::string_view name() const override { return "shell"; }
    std::string_view description() const override { return kShellDescription; }

protected:
    Result<ToolOutput> call(const nlohmann::json& json, int cancel_fd) const override {
        const nlohmann::json* command = ToolArgs(name(), json).find(0, "command");
        if (command == nullptr || !command->is_string() || command->get<std::string>().empty())
            return make_error(ErrorCode::invalid_input,
                              "missing argument \"command\" (a non-empty string)");
        const tasks::swe::Workspace& ws = *world_.workspace;
        const std::int64_t timeout_s = world_.env->command_timeout_s;
        tasks::env::SandboxPolicy policy = tasks::swe::workspace_policy(*world_.env, ws, timeout_s);
        auto ran = world_.sandbox->run(tasks::env::shell_argv(command->get<std::string>()),
                                       ws.dir(), policy, cancel_fd);
        if (!ran)
            return make_error(ran.error().code,
                              "the command could not run: " + ran.error().message);
        std::string out = "exit code: " + std::to_string(ran->exit_code) + "\n";
        if (ran->timed_out) out += "[killed after " + std::to_string(timeout_s) + " s]\n";
        out += ran->out;
        if (!ran->err.empty())
            out += (ran->out.empty() || ran->out.back() == '\n' ? "" : "\n") + ran->err;
        if (ran->timed_out) return make_error(ErrorCode::timeout, std::move(out));
        if (ran->over_quota) return make_error(ErrorCode::invalid_input, std::move(out));
        if (ran->exit_code != 0) return make_error(ErrorCode::io, std::move(out));
        return ToolOutput{std::move(out), {}};
    }

private:
    SweWorld world_;
};

class ApplyPatchTool final : public BlockingTool {
public:
    explicit ApplyPatchTool(SweWorld world) : world_(world) {}
    std::string_view name() const override { return "apply_patch"; }
    std::string_view description() const override { return kApplyPatchDescription; }
    bool exclusive() const override { return true; }  // git's index, the patch file

protected:
    Result<ToolOutput> call(const nlohmann::json& json, int) const override {
        const nlohmann::json* patch = ToolArgs(name(), json).find(0, "patch");
        if (patch == nullptr || !patch->is_string())
            return make_error(ErrorCode::invalid_input,
                              "missing argument \"patch\" (a unified diff)");
        auto method = world_.workspace->apply_patch(patch->get<std::string>());
        if (!method) return std::move(method).error();  // "the patch does not apply: <why>"
        return ToolOutput{"applied (" + *method + ")", {}};
    }

private:
    SweWorld world_;
};

// Directives for run_tests: a string, a list of strings, or absent.
Result<std::vector<std::string>> directives_arg(const ToolArgs& args) {
    std::vector<std::string> out;
    const nlohmann::json* tests = args.find(0, "tests");
    if (tests == nullptr) return out;
    if (tests->is_string()) return std::vector<std::string>{tests->get<std::string>()};
    const std::string why = "argument \"tests\" must be a list of strings";
    if (!tests->is_array()) return make_error(ErrorCode::invalid_input, why);
    for (const auto& t : *tests) {
        if (!t.is_string()) return make_error(ErrorCode::invalid_input, why);
        out.push_back(t.get<std::string>());
    }
    return out;
}

class RunTestsTool final : public BlockingTool {
public:
    explicit RunTestsTool(SweWorld world) : world_(world) {}
    std::string_view name() const override { return "run_tests"; }
    std::string_view description() const override { return kRunTestsDescription; }

protected:
    Result<ToolOutput> call(const nlohmann::json& json, int cancel_fd) const override {
        auto directives = directives_arg(ToolArgs(name(), json));
        if (!directives) return std::move(directives).error();
        auto run = tasks::swe::run_tests(*world_.workspace, *world_.env, *directives,
                                         *world_.sandbox, cancel_fd);
        if (!run)
            return make_error(run.error().code,
                              "the tests did not give results: " + run.error().message);
        std::map<std::string, int> counts;
        std::string failures;
        std::size_t listed = 0;
        for (const auto& [test, status] : run->statuses) {
            ++counts[std::string(tasks::swe::to_string(status))];
            bool bad =
                status == tasks::swe::TestStatus::failed || status == tasks::swe::TestStatus::error;
            if (bad && listed++ < kMaxListedFailures)
                failures += "  " + std::string(tasks::swe::to_string(status)) + " " + test + "\n";
        }
        std::string out = "exit code: " + std::to_string(run->exit_code) + "\n";
        for (const auto& [status, n] : counts) out += status + ": " + std::to_string(n) + "\n";
        if (failures.empty()) return ToolOutput{std::move(out), {}};
        return make_error(ErrorCode::io, out + "failing:\n" + failures + "\nlog:\n" + run->log);
    }

private:
    SweWorld world_;
};

class SubmitTool final : public BlockingTool {
public:
    explicit SubmitTool(SweWorld world) : world_(world) {}
    std::string_view name() const override { return "submit"; }
    std::string_view description() const override { return kSubmitDescription; }
    bool exclusive() const override { return true; }  // sees every edit of its turn

protected:
    Result<ToolOutput> call(const nlohmann::json&, int) const override {
        tasks::swe::DiffLimits limits;
        limits.max_tree_bytes = static_cast<std::uint64_t>(world_.env->disk_quota_mb) << 20;
        limits.max_patch_bytes = static_cast<std::size_t>(world_.env->max_patch_kb) << 10;
        auto diff = world_.workspace->diff(limits);
        if (!diff)
            return make_error(diff.error().code,
                              "cannot read the workspace's diff: " + diff.error().message);
        std::string shown = diff->empty() ? "submitted an empty patch" : "submitted:\n" + *diff;
        return ToolOutput{std::move(shown), std::move(*diff)};
    }

private:
    SweWorld world_;
};

}  // namespace

std::unique_ptr<ToolRegistry> make_swe_tool_registry(tasks::swe::Workspace& workspace,
                                                     const tasks::swe::SweEnv& env,
                                                     const tasks::env::Sandbox& sandbox) {
    SweWorld world{&workspace, &env, &sandbox};
    auto registry = std::make_unique<ToolRegistry>();
    std::vector<std::unique_ptr<Tool>> tools;
    tools.push_back(std::make_unique<ShellTool>(world));
    tools.push_back(make_read_file_tool(workspace.dir(), kAgentFileTools));
    tools.push_back(make_search_tool(workspace.dir(), kAgentFileTools));
    tools.push_back(make_edit_tool(workspace.dir(), kAgentFileTools));
    tools.push_back(std::make_unique<ApplyPatchTool>(world));
    tools.push_back(std::make_unique<RunTestsTool>(world));
    tools.push_back(std::make_unique<SubmitTool>(world));
    for (auto& tool : tools) {
        auto added = registry->add(std::move(tool));
        BRAID_ASSERT(added.has_value(), "make_swe_tool_registry: the tool names are distinct");
    }
    return registry;
}

std::vector<std::string_view> swe_tool_descriptions() {
    return {kShellDescription,
            kAgentFileTools.read_description,
            kAgentFileTools.search_description,
            kAgentFileTools.edit_description,
            kApplyPatchDescription,
            kRunTestsDescription,
            kSubmitDescription};
}

}  // namespace braid::workers::tools
