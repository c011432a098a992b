#pragma once
// Runs model-chosen commands and test suites under layered isolation (reference/ecosystem.md §3.3),
// each layer detected once at start-up and used when it works:
//   rlimits        always: address space, file size, open files, core dumps, CPU seconds; and the
//                  process count when not running as root (RLIMIT_NPROC does not bind root)
//   process_group  always: own session and group, SIGTERM then SIGKILL of the group at the deadline
//   bubblewrap     `bwrap` that starts: read-only root, only the policy's `writable` folders bound
//                  read-write (at the same path), private /tmp, /dev and /proc, no network unless
//                  the policy allows it, all capabilities dropped, a PID namespace that dies with
//                  it (so grandchildren that call setsid die too)
//   pid_namespace  without bwrap: `unshare --pid --net --fork --kill-child` (plus `--user
//                  --map-root-user` when not root) when that starts (no network, tree killed with
//                  the namespace)
//   cgroup         a writable pids + memory cgroup (v2, or v1 as on the build machines): one per
//                  run with pids.max and the memory limit; every process in it killed at the end
// The environment is always scrubbed: only the allow-listed variables pass, so API keys and tokens
// in braid's own environment are never visible inside.
//
// Which layers are active is what `braid doctor` prints and what a run records (to_json()).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "tasks/env/process.hpp"

namespace braid::tasks::env {

struct SandboxCapabilities {
    bool rlimits = true;
    bool process_group = true;
    std::string bubblewrap;     // path of a bwrap that ran a probe command; "" when none works
    bool pid_namespace = false;  // isolation by a PID namespace (via bwrap or unshare)
    bool network_isolated = false;
    std::string cgroup;          // "v2" | "v1" | "" (none writable)
    std::string cgroup_parent;   // v2: the folder new cgroups go under; v1: the pids hierarchy's
    std::string memory_cgroup_parent;  // v1 only: the memory hierarchy's folder
    bool root = false;           // braid runs as uid 0 (RLIMIT_NPROC is then not enforced)

    // Names of the active layers, lowest first: "rlimits", "process_group", then any of
    // "bubblewrap", "pid_namespace", "network_isolated", "cgroup_v1"/"cgroup_v2".
    std::vector<std::string> layers() const;
    nlohmann::json to_json() const;
};

// Detects what works here: starts bwrap and unshare once each around /bin/true, and creates and
// removes a probe cgroup. Blocking, tens of milliseconds. Never fails: what does not work is off.
SandboxCapabilities probe_sandbox();

// Capabilities with every optional layer off (L0 only): for tests of the fallback path.
SandboxCapabilities minimal_capabilities();

struct SandboxPolicy {
    std::chrono::milliseconds timeout{60'000};
    std::chrono::milliseconds kill_grace{500};
    std::uint64_t memory_bytes = 4ull << 30;        // RLIMIT_AS, and memory limit of the cgroup
    std::uint64_t max_processes = 512;              // pids.max of the cgroup; RLIMIT_NPROC when not root
    std::uint64_t max_file_bytes = 1ull << 30;      // RLIMIT_FSIZE
    std::uint64_t max_open_files = 1024;            // RLIMIT_NOFILE
    std::uint64_t cpu_seconds = 0;                  // RLIMIT_CPU; 0 = bounded by `timeout` only
    std::size_t max_output_bytes = 1 << 20;         // per stream, head and tail kept
    bool network = false;                           // true: share the host network
    std::vector<std::filesystem::path> writable;    // read-write folders (the workspace); the rest is read-only
    // Variables copied from braid's environment when set there. Nothing else passes.
    std::vector<std::string> env_allow{"PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM"};
    // Set explicitly, after the allow-list (HOME=/tmp unless given here).
    std::vector<std::pair<std::string, std::string>> env_set;
};

// Owns the probed capabilities; run() may be called from many pool threads at once.
class Sandbox {
public:
    explicit Sandbox(SandboxCapabilities capabilities);
    const SandboxCapabilities& capabilities() const { return capabilities_; }

    // Runs argv in `cwd` (which must be inside one of policy.writable) with every active layer.
    // Blocking. Errors as run_process, plus invalid_input when cwd is not under a writable folder.
    // A timeout, a signal, an exit code: all are results, not errors.
    Result<ProcessResult> run(const std::vector<std::string>& argv, const std::filesystem::path& cwd,
                              const SandboxPolicy& policy, int cancel_fd = -1) const;

private:
    SandboxCapabilities capabilities_;
};

}  // namespace braid::tasks::env
