#include "tasks/env/sandbox_argv.hpp"

#include "tasks/env/child_setup.hpp"

namespace braid::tasks::env {

namespace {
constexpr const char* kSystemPath = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
}

std::vector<std::string> bwrap_base_options(bool network) {
    std::vector<std::string> options{"--unshare-all"};
    if (network) options.emplace_back("--share-net");
    for (const char* o : {"--die-with-parent", "--new-session", "--cap-drop", "ALL", "--ro-bind", "/",
                          "/", "--tmpfs", "/tmp", "--dev", "/dev", "--proc", "/proc"})
        options.emplace_back(o);
    return options;
}

std::vector<std::string> unshare_options(bool network, bool root) {
    std::vector<std::string> options;
    if (!root) {
        options.emplace_back("--user");
        options.emplace_back("--map-root-user");
    }
    options.emplace_back("--pid");
    if (!network) options.emplace_back("--net");
    options.emplace_back("--fork");
    options.emplace_back("--kill-child");
    return options;
}

WrappedCommand wrap_command(const SandboxCapabilities& caps, const SandboxPolicy& policy,
                            const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
    WrappedCommand wrapped;
    const bool use_bwrap = !caps.bubblewrap.empty();
    const std::string unshare = use_bwrap || !caps.pid_namespace ? "" : resolve_program("unshare", kSystemPath);
    if (use_bwrap) {
        wrapped.argv.push_back(caps.bubblewrap);
        for (std::string& o : bwrap_base_options(policy.network)) wrapped.argv.push_back(std::move(o));
        for (const std::filesystem::path& w : policy.writable) {
            wrapped.argv.emplace_back("--bind");
            std::error_code ec;
            const std::string folder = std::filesystem::weakly_canonical(w, ec).string();
            wrapped.argv.push_back(ec ? w.string() : folder);
            wrapped.argv.push_back(ec ? w.string() : folder);
        }
        wrapped.argv.emplace_back("--chdir");
        wrapped.argv.push_back(cwd.string());
        wrapped.argv.emplace_back("--");
    } else if (!unshare.empty()) {
        wrapped.argv.push_back(unshare);
        for (std::string& o : unshare_options(policy.network, caps.root)) wrapped.argv.push_back(std::move(o));
        wrapped.argv.emplace_back("--");
    }
    const bool namespaced = !wrapped.argv.empty();
    if (!caps.root && policy.max_processes > 0) {
        const std::string prlimit = namespaced ? resolve_program("prlimit", kSystemPath) : "";
        if (!prlimit.empty()) {
            wrapped.argv.push_back(prlimit);
            wrapped.argv.push_back("--nproc=" + std::to_string(policy.max_processes));
            wrapped.argv.emplace_back("--");
        } else if (!namespaced) {
            wrapped.nproc_in_child = true;
        }
    }
    for (const std::string& a : argv) wrapped.argv.push_back(a);
    return wrapped;
}

}  // namespace braid::tasks::env
