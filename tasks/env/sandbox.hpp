#pragma once
// Runs model-chosen commands and test suites under layered isolation (reference/ecosystem.md §3.3),
// each layer detected once at start-up and used when it works:
//   rlimits        always: address space, file size, open files, core dumps, CPU seconds; and the
//                  process count when commands do not run as root (RLIMIT_NPROC does not bind
//                  root; it counts every process of the user, so concurrent commands share it)
//   process_group  always: own session and group, SIGTERM then SIGKILL of the group at the deadline
//   unprivileged_user  commands never run as uid 0: when braid is root they run as kSandboxUid
//                  (`nobody`) through `setpriv` (no groups, no capabilities, empty bounding set,
//                  no_new_privs), and the writable folders are handed to that user before each
//                  run; when braid is not root they run as braid's own user
//   bubblewrap     `bwrap` that starts: a root that shows only the system folders read-only (/usr,
//                  its merged /bin, /lib... links, /etc with its password and sudo files masked),
//                  the policy's `writable` folders read-write and `readable` ones read-only (at the
//                  same path), private /tmp, /var/tmp, /dev and /proc; no host home, /root or
//                  anything else; no network unless the policy allows it, all capabilities
//                  dropped, a PID namespace that dies with it (so grandchildren that call setsid
//                  die too and the host's processes are not visible)
//   pid_namespace  without bwrap: `unshare --pid --net --fork --kill-child` (plus `--user
//                  --map-root-user` when not root) when that starts (no network, tree killed with
//                  the namespace)
//   cgroup         a writable pids + memory cgroup (v2, or v1 as on the build machines): one per
//                  run with pids.max and the memory limit; every process in it killed at the end
// The environment is always scrubbed: only the allow-listed variables pass, so API keys and tokens
// in braid's own environment are never visible inside.
//
// Which layers are active is what `braid doctor` prints and what a run records (to_json()).

#include <chrono>
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
    std::string bubblewrap;      // path of a bwrap that ran a probe command; "" when none works
    bool pid_namespace = false;  // isolation by a PID namespace (via bwrap or unshare)
    bool network_isolated = false;
    std::string cgroup;         // "v2" | "v1" | "" (none writable)
    std::string cgroup_parent;  // v2: the folder new cgroups go under; v1: the pids hierarchy's
    std::string memory_cgroup_parent;  // v1 only: the memory hierarchy's folder
    bool root = false;                 // braid runs as uid 0
    // Path of the `setpriv` that drops root to kSandboxUid; "" when braid is not root or none
    // works (commands then run as root: the layer is off).
    std::string setpriv;

    // Whether commands run as a user other than root (then RLIMIT_NPROC binds them).
    bool unprivileged() const { return !root || !setpriv.empty(); }

    // Names of the active layers, lowest first: "rlimits", "process_group", then any of
    // "unprivileged_user", "bubblewrap", "pid_namespace", "network_isolated",
    // "cgroup_v1"/"cgroup_v2".
    std::vector<std::string> layers() const;
    nlohmann::json to_json() const;
};

// How often a running command's writable folders are measured against the disk quota.
inline constexpr std::chrono::milliseconds kQuotaPoll{200};

// The user (and group) commands run as when braid is root: `nobody`/`nogroup` on Debian.
inline constexpr unsigned kSandboxUid = 65534;
inline constexpr unsigned kSandboxGid = 65534;

// Detects what works here: starts setpriv (as root), bwrap and unshare once each around
// /bin/true, and creates and removes a probe cgroup. Blocking, tens of milliseconds. Never fails:
// what does not work is off.
SandboxCapabilities probe_sandbox();

// Capabilities with every optional layer off (L0 only): for tests of the fallback path.
SandboxCapabilities minimal_capabilities();

struct SandboxPolicy {
    std::chrono::milliseconds timeout{60'000};
    std::chrono::milliseconds kill_grace{500};
    std::uint64_t memory_bytes = 4ull << 30;  // RLIMIT_AS, and memory limit of the cgroup
    std::uint64_t max_processes = 512;        // pids.max of the cgroup; RLIMIT_NPROC when not root
    std::uint64_t max_file_bytes = 1ull << 30;  // RLIMIT_FSIZE
    std::uint64_t max_open_files = 1024;        // RLIMIT_NOFILE
    std::uint64_t cpu_seconds = 0;              // RLIMIT_CPU; 0 = bounded by `timeout` only
    std::size_t max_output_bytes = 1 << 20;     // per stream, head and tail kept
    // The most bytes the writable folders may hold (folder_bytes); 0: no quota. Measured before
    // the command, every kQuotaPoll while it runs and after it: a command that grows them past
    // the quota is killed and its result says over_quota. Files are also capped at the quota
    // (RLIMIT_FSIZE) and, with bwrap, the private /tmp and /var/tmp each hold at most this much.
    std::uint64_t disk_quota_bytes = 0;
    bool network = false;                         // true: share the host network
    std::vector<std::filesystem::path> writable;  // read-write folders (the workspace)
    // Folders shown read-only besides the system ones (e.g. the git objects a workspace borrows).
    // Without bwrap the whole host is visible read-only and this adds nothing.
    std::vector<std::filesystem::path> readable;
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
    // With setpriv, the writable folders are first given to kSandboxUid (every entry not yet its).
    // Blocking. Errors as run_process, plus invalid_input when cwd is not under a writable folder,
    // or when commands run as kSandboxUid without bwrap and a folder above cwd is closed to it.
    // A timeout, a signal, an exit code: all are results, not errors.
    Result<ProcessResult> run(const std::vector<std::string>& argv,
                              const std::filesystem::path& cwd, const SandboxPolicy& policy,
                              int cancel_fd = -1) const;

private:
    SandboxCapabilities capabilities_;
};

}  // namespace braid::tasks::env
