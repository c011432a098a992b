#pragma once
// Internal to tasks/env: what run_process_with does in the child between fork and exec, prepared
// before the fork (the child may only make async-signal-safe calls: we are multi-threaded).

#include <sys/resource.h>

#include <string>
#include <vector>

#include "tasks/env/process.hpp"

namespace braid::tasks::env {

struct ChildLimit {
    int resource = 0;  // RLIMIT_*
    rlim_t value = 0;  // soft and hard
};

struct ChildSetup {
    std::vector<ChildLimit> limits;
    // cgroup.procs files the child writes its own pid to (joins those cgroups) before exec.
    std::vector<std::string> cgroup_procs;
};

// run_process, plus `setup` applied in the child. A limit or cgroup join that fails makes the
// child exit 127 with the reason on stderr (a sandbox layer that was probed but does not hold is
// not silently skipped).
Result<ProcessResult> run_process_with(const std::vector<std::string>& argv,
                                       const std::filesystem::path& cwd,
                                       const ProcessOptions& options, const ChildSetup& setup);

// The executable `name` resolves to: itself when it contains a '/', else the first executable
// regular file named so in the ':'-separated `search_path`. "" when none.
std::string resolve_program(const std::string& name, const std::string& search_path);

}  // namespace braid::tasks::env
