// Issue 18 finding 3: a sandboxed command must not see the host. With bwrap it runs as an
// unprivileged user, sees only the system folders, its workspace and a private /tmp, and not
// /etc/shadow, /root, a home folder's files or the host's processes. Checked with braid running
// as root (commands drop to nobody) and, when the test runs as root, with braid running as nobody.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "../support/temp_dir.hpp"
#include "sandbox_helpers.hpp"
#include "tasks/env/process.hpp"
#include "tasks/env/sandbox.hpp"

using namespace braid;
using namespace braid::tasks::env;

namespace {

namespace fs = std::filesystem;

// A folder under /var/tmp (searchable by everyone, outside the sandbox's private /tmp) owned by
// `uid`, removed afterwards.
struct HostFolder {
    fs::path path;
    explicit HostFolder(uid_t uid, const char* what) {
        std::string pattern = std::string("/var/tmp/braid-") + what + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path = pattern;
        if (::chown(path.c_str(), uid, uid) != 0 && geteuid() == 0)
            throw std::runtime_error("chown failed");
    }
    ~HostFolder() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

// What a curious command tries. The process search greps for "[b]raid-..." so that no command
// line in the sandbox (visible in its own /proc) carries `token` itself.
std::string snooping_script(const fs::path& home_secret, const std::string& token) {
    const std::string pattern = "[" + token.substr(0, 1) + "]" + token.substr(1);
    return "echo uid=$(id -u)\n"
           "head -c 64 /etc/shadow 2>/dev/null && echo LEAK:shadow\n"
           "ls /root >/dev/null 2>&1 && echo LEAK:root-home\n"
           "cat " +
           home_secret.string() +
           " 2>/dev/null && echo LEAK:home-file\n"
           "for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < $f; echo; done | grep -c '" +
           pattern +
           "' | sed 's/^/host-processes=/'\n"
           "echo processes=$(ls -d /proc/[0-9]* | wc -l)\n"
           "touch /tmp/scratch && echo tmp-writable\n"
           "touch scratch-in-workspace\n"
           "echo done\n";
}

struct Snoop {
    int status = -1;
    std::string out;
};

// Runs the snooping script in a fresh workspace under `workspace_owner`'s folder.
Snoop snoop(const SandboxCapabilities& caps, const fs::path& workspace, const fs::path& secret,
            const std::string& token) {
    SandboxPolicy policy;
    policy.timeout = std::chrono::seconds(20);
    policy.writable = {workspace};
    auto r = Sandbox(caps).run(shell_argv(snooping_script(secret, token)), workspace, policy);
    if (!r) return Snoop{-1, r.error().describe()};
    return Snoop{r->exit_code, r->out + r->err};
}

void check_nothing_leaked(const Snoop& s, const std::string& token, const std::string& uid) {
    INFO(s.out);
    CHECK(s.status == 0);
    CHECK(s.out.find("uid=" + uid + "\n") != std::string::npos);
    CHECK(s.out.find("LEAK") == std::string::npos);
    CHECK(s.out.find(token) == std::string::npos);
    CHECK(s.out.find("host-processes=0\n") != std::string::npos);
    CHECK(s.out.find("tmp-writable\n") != std::string::npos);
    CHECK(s.out.find("done\n") != std::string::npos);
}

// A process on the host whose command line carries `token`, killed with its group on
// destruction (its `sleep` child too, which would otherwise hold the test's output open).
struct HostProcess {
    pid_t pid = -1;
    explicit HostProcess(const std::string& token) {
        pid = ::fork();
        if (pid == 0) {
            ::setpgid(0, 0);
            const int devnull = ::open("/dev/null", O_RDWR);
            ::dup2(devnull, STDOUT_FILENO);
            ::dup2(devnull, STDERR_FILENO);
            ::execl("/bin/sh", "sh", "-c", "sleep 60; :", token.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        if (pid > 0) ::setpgid(pid, pid);  // whichever of the two runs first
    }
    ~HostProcess() {
        if (pid <= 0) return;
        ::kill(-pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
};

}  // namespace

TEST_CASE("A sandboxed command sees no host secrets, home files or processes", "[tasks][env]") {
    const SandboxCapabilities& caps = test::probed_capabilities();
    if (!test::have_layer(!caps.bubblewrap.empty(), "bubblewrap")) return;
    const std::string token = test::unique_marker("secret");
    HostProcess host(token);
    HostFolder home(geteuid(), "home");  // a user's home folder with a world-readable dotfile
    const fs::path secret = home.path / ".netrc";
    test::write_file_bytes(secret.string(), "machine example.com password " + token + "\n");
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                fs::perms::others_read);
    fs::permissions(home.path,
                    fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);

    SECTION("braid runs as itself") {
        test::TempDir private_parent;  // mode 0700, as a private TMPDIR
        const fs::path workspace = private_parent.path() / "ws";
        fs::create_directory(workspace);
        const bool root = geteuid() == 0;
        if (root) REQUIRE_FALSE(caps.setpriv.empty());  // Debian's util-linux always has it
        Snoop s = snoop(caps, workspace, secret, token);
        check_nothing_leaked(s, token,
                             root ? std::to_string(kSandboxUid) : std::to_string(geteuid()));
        if (root) {  // what the command made belongs to the sandbox user
            struct stat st {};
            REQUIRE(::stat((workspace / "scratch-in-workspace").c_str(), &st) == 0);
            CHECK(st.st_uid == kSandboxUid);
        }
    }
    SECTION("braid runs as an unprivileged user") {
        if (geteuid() != 0) {
            WARN("not root: the unprivileged case is the section above");
            return;
        }
        HostFolder workspace(kSandboxUid, "workspace");
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {  // becomes nobody, probes its own sandbox, reports through the pipe
            ::close(fds[0]);
            const bool dropped = ::setgroups(0, nullptr) == 0 &&
                                 ::setresgid(kSandboxGid, kSandboxGid, kSandboxGid) == 0 &&
                                 ::setresuid(kSandboxUid, kSandboxUid, kSandboxUid) == 0;
            std::string report = "not dropped";
            int code = 3;
            if (dropped) {
                const SandboxCapabilities own = probe_sandbox();
                if (own.bubblewrap.empty()) {
                    report = "no bubblewrap for an unprivileged user here";
                    code = 2;
                } else {
                    Snoop s = snoop(own, workspace.path, secret, token);
                    report = s.out;
                    code = s.status == 0 ? 0 : 1;
                }
            }
            const ssize_t ignored = ::write(fds[1], report.data(), report.size());
            (void)ignored;
            ::_exit(code);
        }
        ::close(fds[1]);
        std::string report;
        char buf[4096];
        for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
            report.append(buf, static_cast<std::size_t>(n));
        ::close(fds[0]);
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        REQUIRE(WIFEXITED(status));
        if (WEXITSTATUS(status) == 2) {
            WARN(report);
            return;
        }
        REQUIRE(WEXITSTATUS(status) == 0);
        check_nothing_leaked(Snoop{0, report}, token, std::to_string(kSandboxUid));
    }
}
