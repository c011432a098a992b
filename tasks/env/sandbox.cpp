#include "tasks/env/sandbox.hpp"

#include <sys/resource.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "tasks/env/cgroup.hpp"
#include "tasks/env/child_setup.hpp"
#include "tasks/env/sandbox_argv.hpp"

namespace braid::tasks::env {

namespace fs = std::filesystem;

std::vector<std::string> SandboxCapabilities::layers() const {
    std::vector<std::string> names;
    if (rlimits) names.emplace_back("rlimits");
    if (process_group) names.emplace_back("process_group");
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
                          {"root", root}};
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
    if (policy.max_file_bytes > 0) add(RLIMIT_FSIZE, policy.max_file_bytes);
    if (policy.max_open_files > 0) add(RLIMIT_NOFILE, policy.max_open_files);
    add(RLIMIT_CORE, 0);
    if (policy.cpu_seconds > 0) add(RLIMIT_CPU, policy.cpu_seconds);
    if (nproc_here && policy.max_processes > 0) add(RLIMIT_NPROC, policy.max_processes);
    return setup;
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
    const bool found = name.find('/') != std::string::npos
                           ? access((name[0] == '/' ? fs::path(name) : dir / name).c_str(), X_OK) == 0
                           : !resolve_program(name, search_path.empty() ? "/usr/bin:/bin" : search_path).empty();
    if (!found) {
        ProcessResult missing;
        missing.exit_code = 127;
        missing.err = "braid: cannot run '" + name + "': not found or not executable\n";
        return missing;
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
    auto result = run_process_with(wrapped.argv, dir, options, setup);
    if (group) group->kill_all();  // and the destructor removes it
    return result;
}

}  // namespace braid::tasks::env
