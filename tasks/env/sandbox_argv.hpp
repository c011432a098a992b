#pragma once
// Internal to tasks/env: the command line that wraps a sandboxed command in the layers the
// capabilities name: bwrap (else unshare, else none), then setpriv when braid is root, then
// prlimit.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tasks/env/sandbox.hpp"

namespace braid::tasks::env {

struct WrappedCommand {
    std::vector<std::string> argv;
    // RLIMIT_NPROC is to be set in the child before exec (no namespace). Inside a namespace it is
    // set by `prlimit` after the namespace exists (set before, it breaks its creation).
    bool nproc_in_child = false;
};

WrappedCommand wrap_command(const SandboxCapabilities& caps, const SandboxPolicy& policy,
                            const std::vector<std::string>& argv, const std::filesystem::path& cwd);

// The bwrap options shared by the probe and the runs, up to (not including) the policy's binds:
// namespaces (no user namespace when root drops to kSandboxUid with setpriv inside: a user
// namespace of root's would map that user to root), the system folders read-only, private /tmp,
// /var/tmp (of at most `tmp_bytes` each; 0: the kernel's default), /dev and /proc.
std::vector<std::string> bwrap_base_options(bool network, const SandboxCapabilities& caps,
                                            std::uint64_t tmp_bytes = 0);

// `unshare` options for a PID (and network) namespace that dies with it.
std::vector<std::string> unshare_options(bool network, bool root);

// `setpriv` and its options that run the rest of the command line as kSandboxUid/kSandboxGid,
// with no supplementary groups, no capabilities and no way to gain privileges.
std::vector<std::string> setpriv_options(const std::string& setpriv);

}  // namespace braid::tasks::env
