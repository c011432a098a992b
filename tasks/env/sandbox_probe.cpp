// probe_sandbox: each optional layer is tried once on a harmless command and kept only if it works.

#include <unistd.h>

#include "tasks/env/cgroup.hpp"
#include "tasks/env/child_setup.hpp"
#include "tasks/env/sandbox.hpp"
#include "tasks/env/sandbox_argv.hpp"

namespace braid::tasks::env {

namespace {

constexpr const char* kSystemPath = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
constexpr std::chrono::seconds kProbeTimeout{10};

bool runs_ok(std::vector<std::string> argv) {
    argv.emplace_back("/bin/true");
    ProcessOptions options;
    options.timeout = kProbeTimeout;
    options.max_output_bytes = 4096;
    options.environment = std::vector<std::string>{std::string("PATH=") + kSystemPath};
    auto result = run_process(argv, "/", options);
    return result && result->exit_code == 0 && !result->timed_out;
}

}  // namespace

SandboxCapabilities probe_sandbox() {
    SandboxCapabilities caps = minimal_capabilities();
    if (std::string setpriv = resolve_program("setpriv", kSystemPath);
        caps.root && !setpriv.empty())
        if (runs_ok(setpriv_options(setpriv))) caps.setpriv = setpriv;
    if (std::string bwrap = resolve_program("bwrap", kSystemPath); !bwrap.empty()) {
        std::vector<std::string> argv{bwrap};
        for (std::string& o : bwrap_base_options(false, caps)) argv.push_back(std::move(o));
        if (!caps.setpriv.empty())
            for (std::string& o : setpriv_options(caps.setpriv)) argv.push_back(std::move(o));
        if (runs_ok(argv)) caps.bubblewrap = bwrap;
    }
    bool unshare_works = false;
    if (std::string unshare = resolve_program("unshare", kSystemPath); !unshare.empty()) {
        std::vector<std::string> argv{unshare};
        for (std::string& o : unshare_options(false, caps.root)) argv.push_back(std::move(o));
        unshare_works = runs_ok(argv);
    }
    caps.pid_namespace = !caps.bubblewrap.empty() || unshare_works;
    caps.network_isolated = caps.pid_namespace;
    probe_cgroup(caps);
    return caps;
}

}  // namespace braid::tasks::env
