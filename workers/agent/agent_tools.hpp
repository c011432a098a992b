#pragma once
// The agent's tools (agent.hpp lists them), one blocking function each: arguments JSON in, an
// outcome out. Run them on a pool thread, never on the orchestration executor. A tool's failure
// (bad arguments, a path outside the workspace, an edit that does not match) is an outcome with
// ok=false and a message for the model, never an exception.
//
// The file tools take the workspace folder so they work on any folder (tests use a plain one);
// the others need the whole world (workspace, task env, sandbox).

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "workers/agent/agent.hpp"

namespace braid::workers::agent {

struct ToolOutcome {
    bool ok = false;
    std::string content;     // the observation
    bool submitted = false;  // submit succeeded; `patch` is the candidate
    std::string patch;
};

inline constexpr std::size_t kMaxFileBytes = 4 * 1024 * 1024;  // read/edit/search skip larger files
inline constexpr std::size_t kMaxSearchMatches = 200;

// `relative` inside `root`: refuses empty and absolute paths, and any path that resolves (after
// `..` and symlinks) outside the canonical root. invalid_input otherwise.
Result<std::filesystem::path> workspace_path(const std::filesystem::path& root, const std::string& relative);

ToolOutcome read_file_tool(const std::filesystem::path& root, const nlohmann::json& args);
ToolOutcome search_tool(const std::filesystem::path& root, const nlohmann::json& args);
ToolOutcome edit_tool(const std::filesystem::path& root, const nlohmann::json& args);

// `cancel_fd`: when readable, the command is killed (Sandbox::run); -1 for none.
ToolOutcome shell_tool(const AgentWorld& world, const nlohmann::json& args, int cancel_fd = -1);
ToolOutcome apply_patch_tool(const AgentWorld& world, const nlohmann::json& args);
ToolOutcome run_tests_tool(const AgentWorld& world, const nlohmann::json& args);
ToolOutcome submit_tool(const AgentWorld& world, const nlohmann::json& args);

// Dispatches by name; an unknown name is an outcome that lists the tools. `cancel_fd` reaches the
// shell's command (run_tests, apply_patch and the file tools run to their end).
ToolOutcome run_tool(const AgentWorld& world, const AgentToolCall& call, int cancel_fd = -1);

// A short label for a call's node: `name(arguments)`, long values cut.
std::string call_label(const AgentToolCall& call);

}  // namespace braid::workers::agent
