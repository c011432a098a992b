#pragma once
// Internal to tasks/env: the command line that wraps a sandboxed command in the namespace layer
// the capabilities name (bwrap, else unshare, else none).

#include <filesystem>
#include <string>
#include <vector>

#include "tasks/env/sandbox.hpp"

namespace braid::tasks::env {

struct WrappedCommand {
    std::vector<std::string> argv;
    // RLIMIT_NPROC is to be set in the child before exec (L0 only, not root). Inside a namespace
    // it is set by `prlimit` after the namespace exists (set before, it breaks its creation).
    bool nproc_in_child = false;
};

WrappedCommand wrap_command(const SandboxCapabilities& caps, const SandboxPolicy& policy,
                            const std::vector<std::string>& argv, const std::filesystem::path& cwd);

// The bwrap options shared by the probe and the runs, up to (not including) the binds.
std::vector<std::string> bwrap_base_options(bool network);

// `unshare` options for a PID (and network) namespace that dies with it.
std::vector<std::string> unshare_options(bool network, bool root);

}  // namespace braid::tasks::env
