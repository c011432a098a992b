#pragma once
// Internal to tasks/env: the cgroup layer. probe_cgroup finds a writable pids (+ memory) cgroup
// under braid's own (v2 first, then the v1 hierarchies); RunCgroup is one run's cgroup.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "tasks/env/sandbox.hpp"

namespace braid::tasks::env {

// Sets caps.cgroup, cgroup_parent and memory_cgroup_parent when a probe cgroup can be created,
// limited and removed there; leaves them empty otherwise.
void probe_cgroup(SandboxCapabilities& caps);

// One run's cgroup(s), created with pids.max and the memory limit of the policy. The child joins
// by writing its pid to procs_files(). Destruction kills every process still in it (until none is
// left, bounded) and removes the folders. Not copyable.
class RunCgroup {
public:
    // Errors: io (the folder or a limit could not be made).
    static Result<std::unique_ptr<RunCgroup>> create(const SandboxCapabilities& caps,
                                                     const SandboxPolicy& policy);
    ~RunCgroup();
    RunCgroup(const RunCgroup&) = delete;
    RunCgroup& operator=(const RunCgroup&) = delete;

    std::vector<std::string> procs_files() const;
    // SIGKILLs every process listed until the cgroup is empty (bounded by a few seconds).
    // Returns how many kill rounds found processes.
    int kill_all();

private:
    RunCgroup() = default;
    bool v2_ = false;
    std::vector<std::filesystem::path> dirs_;  // the pids cgroup first
};

}  // namespace braid::tasks::env
