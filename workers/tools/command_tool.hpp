#pragma once
// Tools declared in JSON (`--tools FILE`), each a command run as a child process:
//
//   {"tools": [{"name": "word_count", "description": "word_count(path): counts words",
//               "command": ["wc", "-w", "{arg0}"], "timeout_ms": 5000}]}
//
// `{argN}` in a command element is replaced by the call's N-th argument (as text; numbers are
// printed, lists as JSON); a call with fewer arguments than the command uses is an error. The
// command runs in the sandbox of tasks/env (every probed layer; the workspace is its only writable
// folder; no network unless the declaration says `"network": true`); its stdout (head and tail
// kept past kMaxCommandOutputBytes) is the observation; a non-zero exit or a timeout is an error
// observation carrying the exit code and stderr.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tasks/env/sandbox.hpp"
#include "workers/tools/tool.hpp"

namespace braid::workers::tools {

inline constexpr std::size_t kMaxCommandOutputBytes = 64 * 1024;
inline constexpr std::int64_t kDefaultCommandTimeoutMs = 10'000;
inline constexpr std::int64_t kMaxCommandTimeoutMs = 600'000;

struct CommandSpec {
    std::string name;
    std::string description;
    std::vector<std::string> command;
    std::int64_t timeout_ms = kDefaultCommandTimeoutMs;
    int arity = 0;         // 1 + the highest {argN} used
    bool network = false;  // the command may use the host network
};

// Parses a declarations document. Errors (invalid_input) name the tool (by index and name) and the
// field: `tools` missing or not an array; `name` missing, not an identifier, or a duplicate;
// `command` missing, empty or not an array of strings; a placeholder other than {argN};
// `timeout_ms` not a positive integer up to kMaxCommandTimeoutMs; `description` not a string;
// `network` not a boolean.
Result<std::vector<CommandSpec>> parse_tool_declarations(const nlohmann::json& doc);

// `sandbox` is probed once per registry and shared by its command tools (shared_ptr: each of them
// holds it). A cancelled call's command is killed at once (BlockingTool).
std::unique_ptr<Tool> make_command_tool(CommandSpec spec, std::filesystem::path cwd,
                                        std::shared_ptr<const tasks::env::Sandbox> sandbox);

}  // namespace braid::workers::tools
