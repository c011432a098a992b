#pragma once
// Runs a trusted command as a child process (layer L0 of the sandbox, reference/ecosystem.md §3.3):
// argv exec'd directly (no shell) in `cwd`, stdin from /dev/null, in a session and process group
// of its own, every inherited descriptor closed, killed with the whole group on timeout or
// cancellation. Used as is for braid's own commands (git, patch) and as the base of Sandbox::run
// for model-chosen ones. Blocking: call it on a pool thread, never on the orchestration executor.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace braid::tasks::env {

struct ProcessResult {
    int exit_code = -1;      // the exit status, or 128 + signal
    std::string out;         // stdout; past max_output_bytes only the head and the tail are kept
    std::string err;         // stderr, the same way
    bool truncated = false;  // some output was dropped
    bool timed_out = false;  // killed at the deadline (exit_code is then 128 + SIGKILL or the
                             // status the command had when it ended during the grace period)
    double wall_ms = 0;
    bool over_quota = false;  // Sandbox::run only: its writable folders grew past the policy's
                              // disk quota (the command was killed, or ended so)
};

struct ProcessOptions {
    std::chrono::milliseconds timeout{60'000};
    std::chrono::milliseconds kill_grace{500};  // SIGTERM to the group, then SIGKILL after this
    std::size_t max_output_bytes = 1 << 20;     // per stream
    // nullopt: inherit the parent's environment; otherwise exactly these NAME=value entries.
    std::optional<std::vector<std::string>> environment;
    // When readable, the group is killed and the result is ErrorCode::cancelled.
    int cancel_fd = -1;
};

// Errors: invalid_input (empty argv, cwd not a folder), io (pipe/fork failed; a program that
// cannot be exec'd is exit 127 with the reason on err, not an error), cancelled.
// A timeout is not an error: the result says timed_out.
Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  const std::filesystem::path& cwd, const ProcessOptions& options);

// {"/bin/sh", "-c", command}.
std::vector<std::string> shell_argv(const std::string& command);

}  // namespace braid::tasks::env
