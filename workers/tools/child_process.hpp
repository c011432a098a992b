#pragma once
// Runs a command as a child process and captures its stdout. Blocking: call it on a pool thread,
// never on the orchestration executor.
//
// Subprocess, not yet sandboxed: no bubblewrap, no rlimits, no network isolation (that is the
// sandbox of tasks/env/, issue 6). What it does guarantee: argv is exec'd directly (no shell), in
// `cwd`, with stdin from /dev/null, in a process group of its own; on timeout the whole group is
// killed (SIGKILL) and reaped; stdout beyond `max_output_bytes` is read and dropped (so the child
// never blocks on a full pipe) and the result says it was truncated. stderr is captured the same
// way, for error messages.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace braid::workers::tools {

struct ProcessResult {
    int exit_code = -1;  // the exit status, or 128 + signal
    std::string out;
    std::string err;
    bool truncated = false;
};

// `cancel_fd` (optional): when it becomes readable, the group is killed as on a timeout and the
// result is ErrorCode::cancelled (how a cancelled coroutine stops a command it awaits).
// Errors: invalid_input (empty argv), io (pipe/fork failed, or the program could not be exec'd:
// exit 127 with a message), timeout (killed after `timeout`), cancelled.
Result<ProcessResult> run_child_process(const std::vector<std::string>& argv,
                                        const std::filesystem::path& cwd,
                                        std::chrono::milliseconds timeout,
                                        std::size_t max_output_bytes, int cancel_fd = -1);

}  // namespace braid::workers::tools
