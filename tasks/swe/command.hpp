#pragma once
// braid's own commands (git, patch) on workspaces: run directly (never through a shell) by
// env::run_process with a fixed environment: PATH, LC_ALL=C, HOME=`home`, no system or global git
// config, a fixed author and committer, no terminal prompts, every folder a safe.directory.
// Internal to tasks/swe.

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "tasks/env/process.hpp"

namespace braid::tasks::swe {

inline constexpr std::size_t kCommandOutputBytes = 1 << 20;

// Runs `argv` (argv[0] looked up on PATH) in `cwd`. Errors: as env::run_process; a timeout (120 s)
// is an io error. A non-zero exit is a result; so is output past `max_output_bytes` (truncated).
Result<env::ProcessResult> run_command(const std::vector<std::string>& argv,
                                    const std::filesystem::path& cwd,
                                    const std::filesystem::path& home,
                                    std::size_t max_output_bytes = kCommandOutputBytes);

// As run_command, and a non-zero exit is an io error carrying the command and its stderr; returns
// stdout.
Result<std::string> run_command_checked(const std::vector<std::string>& argv,
                                     const std::filesystem::path& cwd,
                                     const std::filesystem::path& home);

}  // namespace braid::tasks::swe
