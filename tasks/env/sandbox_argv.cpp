#include "tasks/env/sandbox_argv.hpp"

#include <set>

#include "tasks/env/child_setup.hpp"

namespace braid::tasks::env {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSystemPath = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

// The host folders a command may see (read-only): programs, libraries and configuration. On a
// merged-/usr system the top-level ones are symlinks into /usr and are recreated as such.
constexpr const char* kSystemFolders[] = {"/usr",   "/bin",   "/sbin",   "/lib",
                                          "/lib32", "/lib64", "/libx32", "/etc"};

// Files under /etc masked by an empty one even though their modes already close them to an
// unprivileged user: password hashes and sudo rules are never a command's business.
constexpr const char* kMaskedFiles[] = {"/etc/shadow",   "/etc/shadow-", "/etc/gshadow",
                                        "/etc/gshadow-", "/etc/sudoers", "/etc/security/opasswd"};

void add(std::vector<std::string>& options, std::initializer_list<std::string> values) {
    for (const std::string& v : values) options.push_back(v);
}

// bwrap makes the folders above a bind with the modes of the host's, which may close them to the
// sandbox user (a private TMPDIR): they are made first, open to all (their contents are only the
// binds). `made` holds the ones already made.
void open_folders_above(std::vector<std::string>& argv, const fs::path& target,
                        std::set<fs::path>& made) {
    std::vector<fs::path> above;
    for (fs::path p = target.parent_path(); p != p.root_path() && !p.empty(); p = p.parent_path())
        above.push_back(p);
    for (auto it = above.rbegin(); it != above.rend(); ++it) {
        if (*it == "/tmp" || *it == "/var" || *it == "/var/tmp" || !made.insert(*it).second)
            continue;
        add(argv, {"--perms", "0755", "--dir", it->string()});
    }
}

std::string canonical_or_given(const fs::path& folder) {
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(folder, ec);
    return ec ? folder.string() : canonical.string();
}

}  // namespace

std::vector<std::string> bwrap_base_options(bool network, const SandboxCapabilities& caps,
                                            std::uint64_t tmp_bytes) {
    std::vector<std::string> options;
    if (caps.root && !caps.setpriv.empty()) {
        // No user namespace (root's would map nobody to root) and the capabilities kept for
        // setpriv, which drops them all with root.
        add(options, {"--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"});
        if (!network) options.emplace_back("--unshare-net");
    } else {
        options.emplace_back("--unshare-all");
        if (network) options.emplace_back("--share-net");
        add(options, {"--cap-drop", "ALL"});
    }
    add(options, {"--die-with-parent", "--new-session"});
    std::error_code ec;
    for (const char* folder : kSystemFolders) {
        const fs::file_status status = fs::symlink_status(folder, ec);
        if (ec || !fs::exists(status)) continue;
        if (fs::is_symlink(status)) {
            const fs::path target = fs::read_symlink(folder, ec);
            if (!ec) add(options, {"--symlink", target.string(), folder});
        } else if (fs::is_directory(status)) {
            add(options, {"--ro-bind", folder, folder});
        }
    }
    for (const char* file : kMaskedFiles)
        if (fs::is_regular_file(file, ec)) add(options, {"--ro-bind", "/dev/null", file});
    if (network &&
        fs::is_directory("/run/systemd/resolve", ec))  // /etc/resolv.conf may point there
        add(options, {"--ro-bind", "/run/systemd/resolve", "/run/systemd/resolve"});
    for (const char* tmp : {"/tmp", "/var/tmp"}) {
        if (tmp_bytes > 0) add(options, {"--size", std::to_string(tmp_bytes)});
        add(options, {"--perms", "1777", "--tmpfs", tmp});
    }
    add(options, {"--dev", "/dev", "--proc", "/proc"});
    return options;
}

std::vector<std::string> unshare_options(bool network, bool root) {
    std::vector<std::string> options;
    if (!root) add(options, {"--user", "--map-root-user"});
    options.emplace_back("--pid");
    if (!network) options.emplace_back("--net");
    add(options, {"--fork", "--kill-child"});
    return options;
}

std::vector<std::string> setpriv_options(const std::string& setpriv) {
    return {setpriv,
            "--reuid=" + std::to_string(kSandboxUid),
            "--regid=" + std::to_string(kSandboxGid),
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "--"};
}

WrappedCommand wrap_command(const SandboxCapabilities& caps, const SandboxPolicy& policy,
                            const std::vector<std::string>& argv, const fs::path& cwd) {
    WrappedCommand wrapped;
    const bool use_bwrap = !caps.bubblewrap.empty();
    const std::string unshare =
        use_bwrap || !caps.pid_namespace ? "" : resolve_program("unshare", kSystemPath);
    if (use_bwrap) {
        wrapped.argv.push_back(caps.bubblewrap);
        for (std::string& o : bwrap_base_options(policy.network, caps, policy.disk_quota_bytes))
            wrapped.argv.push_back(std::move(o));
        std::set<fs::path> made;
        for (const fs::path& r : policy.readable) {
            const std::string folder = canonical_or_given(r);
            open_folders_above(wrapped.argv, folder, made);
            add(wrapped.argv, {"--ro-bind", folder, folder});
        }
        for (const fs::path& w : policy.writable) {
            const std::string folder = canonical_or_given(w);
            open_folders_above(wrapped.argv, folder, made);
            add(wrapped.argv, {"--bind", folder, folder});
        }
        add(wrapped.argv, {"--chdir", cwd.string(), "--"});
    } else if (!unshare.empty()) {
        wrapped.argv.push_back(unshare);
        for (std::string& o : unshare_options(policy.network, caps.root))
            wrapped.argv.push_back(std::move(o));
        wrapped.argv.emplace_back("--");
    }
    const bool namespaced = !wrapped.argv.empty();
    if (caps.root && !caps.setpriv.empty())
        for (std::string& o : setpriv_options(caps.setpriv)) wrapped.argv.push_back(std::move(o));
    if (caps.unprivileged() && policy.max_processes > 0) {
        const std::string prlimit = namespaced ? resolve_program("prlimit", kSystemPath) : "";
        if (!prlimit.empty())
            add(wrapped.argv, {prlimit, "--nproc=" + std::to_string(policy.max_processes), "--"});
        else if (!namespaced)
            wrapped.nproc_in_child = true;
    }
    for (const std::string& a : argv) wrapped.argv.push_back(a);
    return wrapped;
}

}  // namespace braid::tasks::env
