#include "tasks/env/sandbox.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <nlohmann/json.hpp>

#include "tasks/env/cgroup.hpp"
#include "tasks/env/child_setup.hpp"
#include "tasks/env/quota_watch.hpp"
#include "tasks/env/sandbox_argv.hpp"

namespace braid::tasks::env {

namespace fs = std::filesystem;

std::vector<std::string> SandboxCapabilities::layers() const {
    std::vector<std::string> names;
    if (rlimits) names.emplace_back("rlimits");
    if (process_group) names.emplace_back("process_group");
    if (unprivileged()) names.emplace_back("unprivileged_user");
    if (!bubblewrap.empty()) names.emplace_back("bubblewrap");
    if (pid_namespace) names.emplace_back("pid_namespace");
    if (network_isolated) names.emplace_back("network_isolated");
    if (!cgroup.empty()) names.push_back("cgroup_" + cgroup);
    return names;
}

nlohmann::json SandboxCapabilities::to_json() const {
    return nlohmann::json{{"layers", layers()},
                          {"bubblewrap", bubblewrap},
                          {"pid_namespace", pid_namespace},
                          {"network_isolated", network_isolated},
                          {"cgroup", cgroup},
                          {"cgroup_parent", cgroup_parent},
                          {"memory_cgroup_parent", memory_cgroup_parent},
                          {"root", root},
                          {"setpriv", setpriv},
                          {"run_as_uid", root ? (setpriv.empty() ? 0u : kSandboxUid) : geteuid()}};
}

SandboxCapabilities minimal_capabilities() {
    SandboxCapabilities caps;
    caps.root = geteuid() == 0;
    return caps;
}

Sandbox::Sandbox(SandboxCapabilities capabilities) : capabilities_(std::move(capabilities)) {}

namespace {

bool is_under(const fs::path& path, const fs::path& folder) {
    auto p = path.begin();
    for (auto f = folder.begin(); f != folder.end(); ++f, ++p) {
        if (f->empty()) continue;  // a trailing separator
        if (p == path.end() || *p != *f) return false;
    }
    return true;
}

std::vector<std::string> scrubbed_environment(const SandboxPolicy& policy) {
    std::vector<std::pair<std::string, std::string>> vars;
    for (const std::string& name : policy.env_allow)
        if (const char* value = std::getenv(name.c_str())) vars.emplace_back(name, value);
    auto set = [&vars](const std::string& name, const std::string& value) {
        for (auto& var : vars)
            if (var.first == name) {
                var.second = value;
                return;
            }
        vars.emplace_back(name, value);
    };
    set("HOME", "/tmp");
    for (const auto& [name, value] : policy.env_set) set(name, value);
    std::vector<std::string> entries;
    for (const auto& [name, value] : vars) entries.push_back(name + "=" + value);
    return entries;
}

ChildSetup child_limits(const SandboxPolicy& policy, bool nproc_here) {
    ChildSetup setup;
    auto add = [&setup](int resource, std::uint64_t value) {
        ChildLimit limit;
        limit.resource = resource;
        limit.value = static_cast<rlim_t>(value);
        setup.limits.push_back(limit);
    };
    if (policy.memory_bytes > 0) add(RLIMIT_AS, policy.memory_bytes);
    std::uint64_t file_bytes = policy.max_file_bytes;
    if (policy.disk_quota_bytes > 0 && (file_bytes == 0 || policy.disk_quota_bytes < file_bytes))
        file_bytes = policy.disk_quota_bytes;
    if (file_bytes > 0) add(RLIMIT_FSIZE, file_bytes);
    if (policy.max_open_files > 0) add(RLIMIT_NOFILE, policy.max_open_files);
    add(RLIMIT_CORE, 0);
    if (policy.cpu_seconds > 0) add(RLIMIT_CPU, policy.cpu_seconds);
    if (nproc_here && policy.max_processes > 0) add(RLIMIT_NPROC, policy.max_processes);
    return setup;
}

Error errno_error(const std::string& what) {
    return make_error(ErrorCode::io, what + ": " + std::strerror(errno));
}

// Gives `folder` and everything under it (symlinks themselves, never their targets) to the sandbox
// user. Entries already its are left alone, so a second run only pays for a walk.
Result<void> hand_to_sandbox_user(const fs::path& folder) {
    auto give = [](const fs::path& path) -> Result<void> {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0)
            return errno == ENOENT ? Result<void>{} : errno_error("cannot stat " + path.string());
        if (st.st_uid == kSandboxUid && st.st_gid == kSandboxGid) return {};
        if (::lchown(path.c_str(), kSandboxUid, kSandboxGid) != 0 && errno != ENOENT)
            return errno_error("cannot hand " + path.string() + " to the sandbox user");
        return {};
    };
    if (auto given = give(folder); !given) return given;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (auto given = give(it->path()); !given) return given;
    if (ec && ec != std::errc::no_such_file_or_directory)
        return make_error(ErrorCode::io, "cannot walk " + folder.string() + ": " + ec.message());
    return {};
}

// Without a mount namespace the sandbox user reaches `dir` through the host's folders: each one
// above it must let others search it.
Result<void> reachable_by_sandbox_user(const fs::path& dir) {
    for (fs::path above = dir.parent_path(); !above.empty(); above = above.parent_path()) {
        struct stat st {};
        if (::stat(above.c_str(), &st) != 0) return errno_error("cannot stat " + above.string());
        if ((st.st_mode & S_IXOTH) == 0 && st.st_uid != kSandboxUid)
            return make_error(ErrorCode::invalid_input,
                              "commands run as uid " + std::to_string(kSandboxUid) +
                                  ", which cannot reach " + dir.string() + ": " + above.string() +
                                  " is closed to other users (install bubblewrap, or keep "
                                  "workspaces under a folder others may search, such as /tmp)");
        if (above == above.root_path()) break;
    }
    return {};
}

}  // namespace

Result<ProcessResult> Sandbox::run(const std::vector<std::string>& argv, const fs::path& cwd,
                                   const SandboxPolicy& policy, int cancel_fd) const {
    if (argv.empty() || argv[0].empty())
        return make_error(ErrorCode::invalid_input, "empty command");
    std::error_code ec;
    const fs::path dir = fs::weakly_canonical(cwd, ec);
    bool inside = false;
    for (const fs::path& w : policy.writable)
        inside = inside || (!ec && is_under(dir, fs::weakly_canonical(w, ec)));
    if (!inside)
        return make_error(ErrorCode::invalid_input,
                          "'" + cwd.string() + "' is not inside a writable folder of the sandbox");

    ProcessOptions options;
    options.timeout = policy.timeout;
    options.kill_grace = policy.kill_grace;
    options.max_output_bytes = policy.max_output_bytes;
    options.environment = scrubbed_environment(policy);
    options.cancel_fd = cancel_fd;

    // The program is looked up as the sandbox will (same root, same PATH), so a missing one is
    // exit 127 whatever wraps it.
    std::string search_path;
    for (const std::string& e : *options.environment)
        if (e.rfind("PATH=", 0) == 0) search_path = e.substr(5);
    const std::string& name = argv[0];
    const bool found =
        name.find('/') != std::string::npos
            ? access((name[0] == '/' ? fs::path(name) : dir / name).c_str(), X_OK) == 0
            : !resolve_program(name, search_path.empty() ? "/usr/bin:/bin" : search_path).empty();
    if (!found) {
        ProcessResult missing;
        missing.exit_code = 127;
        missing.err = "braid: cannot run '" + name + "': not found or not executable\n";
        return missing;
    }

    if (capabilities_.root && !capabilities_.setpriv.empty()) {
        for (const fs::path& w : policy.writable)
            if (auto given = hand_to_sandbox_user(w); !given) return std::move(given).error();
        if (capabilities_.bubblewrap.empty())
            if (auto reachable = reachable_by_sandbox_user(dir); !reachable)
                return std::move(reachable).error();
    }
    const WrappedCommand wrapped = wrap_command(capabilities_, policy, argv, dir);
    ChildSetup setup = child_limits(policy, wrapped.nproc_in_child);
    std::unique_ptr<RunCgroup> group;
    if (!capabilities_.cgroup.empty()) {
        auto created = RunCgroup::create(capabilities_, policy);
        if (!created) return std::move(created).error().with_context("sandbox cgroup");
        group = std::move(*created);
        setup.cgroup_procs = group->procs_files();
    }
    std::optional<QuotaWatch> watch;
    if (policy.disk_quota_bytes > 0) {
        watch.emplace(policy, cancel_fd);
        options.cancel_fd = watch->kill_fd();
    }
    auto result = run_process_with(wrapped.argv, dir, options, setup);
    if (group) group->kill_all();  // and the destructor removes it
    if (!watch) return result;
    const bool caller_cancelled = watch->caller_cancelled();
    const bool killed = watch->killed_over_quota();
    const bool over_after = !killed && watch->over(watch->measure());
    watch.reset();
    if (!result && result.error().code == ErrorCode::cancelled && killed && !caller_cancelled) {
        ProcessResult stopped;  // killed by the watch: a result, as a timeout is
        stopped.exit_code = 128 + SIGKILL;
        stopped.over_quota = true;
        stopped.err = quota_message(policy.disk_quota_bytes, true);
        return stopped;
    }
    if (result && (killed || over_after)) {
        result->over_quota = true;
        result->err += quota_message(policy.disk_quota_bytes, killed);
    }
    return result;
}

}  // namespace braid::tasks::env
