#pragma once
// The SWE agent's tools on one task workspace (tasks/swe), beside the file tools:
//   shell {command}        a shell command in the workspace, under the sandbox
//                          (env.command_timeout_s); observation: exit code, stdout+stderr; a
//                          non-zero exit or a timeout is an error carrying the same text
//   apply_patch {patch}    a unified diff, with the workspace's apply chain (exclusive)
//   run_tests {tests?}     the task's own test command (never the hidden tests) with the given
//                          directives; observation: counts per status and the failures (an error
//                          when some fail)
//   submit {}              the workspace's diff as the call's final_value (exclusive)
// shell and run_tests stop their command when the call is cancelled.

#include <memory>
#include <string_view>
#include <vector>

#include "tasks/env/sandbox.hpp"
#include "tasks/swe/swe_task.hpp"
#include "tasks/swe/workspace.hpp"
#include "workers/tools/tool_registry.hpp"

namespace braid::workers::tools {

// The agent's registry: shell, read_file, search, edit (kAgentFileTools), apply_patch, run_tests,
// submit, in that order, acting on `workspace`. All three are borrowed and outlive the registry.
std::unique_ptr<ToolRegistry> make_swe_tool_registry(tasks::swe::Workspace& workspace,
                                                     const tasks::swe::SweEnv& env,
                                                     const tasks::env::Sandbox& sandbox);

// The descriptions of that registry's tools, in its order (the agent's prompt lists them).
std::vector<std::string_view> swe_tool_descriptions();

}  // namespace braid::workers::tools
