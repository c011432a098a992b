// shell, apply_patch, run_tests and submit on the task's workspace, and the dispatch by name
// (agent_tools.hpp).
#include <map>

#include "tasks/swe/grading.hpp"
#include "workers/agent/agent_tools.hpp"

namespace braid::workers::agent {

namespace {

constexpr std::size_t kLabelValueChars = 40;
constexpr std::size_t kMaxListedFailures = 30;

ToolOutcome fail(std::string why) { return ToolOutcome{false, std::move(why), false, {}}; }

// Directives for run_tests: a list of strings, or absent.
Result<std::vector<std::string>> directives_arg(const nlohmann::json& args) {
    std::vector<std::string> out;
    auto it = args.find("tests");
    if (it == args.end() || it->is_null()) return out;
    if (it->is_string()) return std::vector<std::string>{it->get<std::string>()};
    if (!it->is_array()) return make_error(ErrorCode::invalid_input, "argument \"tests\" must be a list of strings");
    for (const auto& t : *it) {
        if (!t.is_string()) return make_error(ErrorCode::invalid_input, "argument \"tests\" must be a list of strings");
        out.push_back(t.get<std::string>());
    }
    return out;
}

}  // namespace

ToolOutcome shell_tool(const AgentWorld& world, const nlohmann::json& args, int cancel_fd) {
    auto it = args.find("command");
    if (it == args.end() || !it->is_string() || it->get<std::string>().empty())
        return fail("missing argument \"command\" (a non-empty string)");
    const tasks::swe::Workspace& ws = *world.workspace;
    tasks::env::SandboxPolicy policy = tasks::swe::workspace_policy(*world.env, ws, world.env->command_timeout_s);
    auto ran = world.sandbox->run(tasks::env::shell_argv(it->get<std::string>()), ws.dir(), policy, cancel_fd);
    if (!ran) return fail("the command could not run: " + ran.error().message);
    std::string out = "exit code: " + std::to_string(ran->exit_code) + "\n";
    if (ran->timed_out) out += "[killed after " + std::to_string(world.env->command_timeout_s) + " s]\n";
    out += ran->out;
    if (!ran->err.empty()) out += (ran->out.empty() || ran->out.back() == '\n' ? "" : "\n") + ran->err;
    return ToolOutcome{ran->exit_code == 0 && !ran->timed_out, std::move(out), false, {}};
}

ToolOutcome apply_patch_tool(const AgentWorld& world, const nlohmann::json& args) {
    auto it = args.find("patch");
    if (it == args.end() || !it->is_string()) return fail("missing argument \"patch\" (a unified diff)");
    auto method = world.workspace->apply_patch(it->get<std::string>());
    if (!method) return fail(method.error().message);  // "the patch does not apply: <why>"
    return ToolOutcome{true, "applied (" + *method + ")", false, {}};
}

ToolOutcome run_tests_tool(const AgentWorld& world, const nlohmann::json& args, int cancel_fd) {
    auto directives = directives_arg(args);
    if (!directives) return fail(directives.error().message);
    auto run = tasks::swe::run_tests(*world.workspace, *world.env, *directives, *world.sandbox, cancel_fd);
    if (!run) return fail("the tests did not give results: " + run.error().message);
    std::map<std::string, int> counts;
    std::string failures;
    std::size_t listed = 0;
    for (const auto& [name, status] : run->statuses) {
        ++counts[std::string(tasks::swe::to_string(status))];
        bool bad = status == tasks::swe::TestStatus::failed || status == tasks::swe::TestStatus::error;
        if (bad && listed++ < kMaxListedFailures) failures += "  " + std::string(tasks::swe::to_string(status)) + " " + name + "\n";
    }
    std::string out = "exit code: " + std::to_string(run->exit_code) + "\n";
    for (const auto& [status, n] : counts) out += status + ": " + std::to_string(n) + "\n";
    if (!failures.empty()) out += "failing:\n" + failures + "\nlog:\n" + run->log;
    return ToolOutcome{failures.empty(), std::move(out), false, {}};
}

ToolOutcome submit_tool(const AgentWorld& world, const nlohmann::json&) {
    auto diff = world.workspace->diff();
    if (!diff) return fail("cannot read the workspace's diff: " + diff.error().message);
    std::string shown = diff->empty() ? "submitted an empty patch" : "submitted:\n" + *diff;
    return ToolOutcome{true, std::move(shown), true, std::move(*diff)};
}

ToolOutcome run_tool(const AgentWorld& world, const AgentToolCall& call, int cancel_fd) {
    const std::filesystem::path& root = world.workspace->dir();
    const nlohmann::json& a = call.arguments;
    if (call.name == "read_file") return read_file_tool(root, a);
    if (call.name == "search") return search_tool(root, a);
    if (call.name == "edit") return edit_tool(root, a);
    if (call.name == "shell") return shell_tool(world, a, cancel_fd);
    if (call.name == "apply_patch") return apply_patch_tool(world, a);
    if (call.name == "run_tests") return run_tests_tool(world, a, cancel_fd);
    if (call.name == "submit") return submit_tool(world, a);
    return fail("unknown tool '" + call.name + "'; the tools are shell, read_file, search, edit, apply_patch, run_tests, submit");
}

std::string call_label(const AgentToolCall& call) {
    std::string args;
    for (const auto& [key, value] : call.arguments.items()) {
        std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
        if (shown.size() > kLabelValueChars) shown = shown.substr(0, kLabelValueChars) + "...";
        for (char& c : shown)
            if (c == '\n') c = ' ';
        args += (args.empty() ? "" : ", ") + key + "=" + shown;
    }
    return call.name + "(" + args + ")";
}

}  // namespace braid::workers::agent
