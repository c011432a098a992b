#include "tasks/env/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "tasks/env/capped_output.hpp"
#include "tasks/env/child_setup.hpp"

extern char** environ;

namespace braid::tasks::env {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kExecFailed = 127;
constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";
// After the command exits, how long output still held open by an escaped grandchild is awaited.
constexpr std::chrono::milliseconds kDrainAfterExit{200};
// Without a pidfd, how often the child's exit is checked.
constexpr std::chrono::milliseconds kExitPollInterval{20};
constexpr std::size_t kReadChunk = 64 * 1024;

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

struct Pipe {
    Fd read;
    Fd write;
};

Result<Pipe> make_pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return make_error(ErrorCode::io, std::string("pipe: ") + std::strerror(errno));
    Pipe p;
    p.read = Fd(fds[0]);
    p.write = Fd(fds[1]);
    return p;
}

int exit_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

// Async-signal-safe helpers for the child.
void write_str(int fd, const char* s) {
    ssize_t ignored = write(fd, s, std::strlen(s));
    (void)ignored;
}

[[noreturn]] void child_fail(const char* what, const char* detail) {
    write_str(STDERR_FILENO, "braid: ");
    write_str(STDERR_FILENO, what);
    write_str(STDERR_FILENO, detail);
    write_str(STDERR_FILENO, "\n");
    _exit(kExecFailed);
}

// Formats `value` as decimal digits into `buf` (no snprintf after fork). Returns the length.
std::size_t format_decimal(long value, char (&buf)[24]) {
    char rev[24];
    std::size_t n = 0;
    do {
        rev[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value > 0 && n < sizeof rev);
    for (std::size_t i = 0; i < n; ++i) buf[i] = rev[n - 1 - i];
    return n;
}

struct ChildPlan {
    std::string program;
    std::vector<char*> args;
    std::vector<char*> envp;  // empty: inherit
    std::string dir;
    const ChildSetup* setup = nullptr;
    pid_t parent = 0;
};

[[noreturn]] void run_child(const ChildPlan& plan, int out_fd, int err_fd) {
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != plan.parent) _exit(kExecFailed);  // the parent died before the prctl
    // Dispositions set to "ignore" and blocked signals survive exec: reset them.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0) _exit(kExecFailed);
    if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0) _exit(kExecFailed);
    if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
        for (int fd = 3; fd < 65536; ++fd) close(fd);

    for (const ChildLimit& limit : plan.setup->limits) {
        rlimit value{limit.value, limit.value};
        if (setrlimit(static_cast<__rlimit_resource_t>(limit.resource), &value) != 0)
            child_fail("cannot set a resource limit", "");
    }
    char digits[24];
    const std::size_t len = format_decimal(static_cast<long>(getpid()), digits);
    for (const std::string& procs : plan.setup->cgroup_procs) {
        int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, digits, len) != static_cast<ssize_t>(len))
            child_fail("cannot join cgroup ", procs.c_str());
        close(fd);
    }
    if (chdir(plan.dir.c_str()) != 0) child_fail("cannot enter ", plan.dir.c_str());
    execve(plan.program.c_str(), plan.args.data(),
           plan.envp.empty() ? environ : const_cast<char**>(plan.envp.data()));
    child_fail("cannot exec ", plan.program.c_str());
}

std::string search_path_of(const ProcessOptions& options) {
    if (options.environment) {
        for (const std::string& entry : *options.environment)
            if (entry.rfind("PATH=", 0) == 0) return entry.substr(5);
        return kDefaultPath;
    }
    const char* path = std::getenv("PATH");
    return path ? path : kDefaultPath;
}

// Signals the command's group, and the command itself in case it has not called setsid() yet.
void signal_tree(pid_t pid, int sig) {
    kill(-pid, sig);
    kill(pid, sig);
}

int ms_until(Clock::time_point t) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(t - Clock::now()).count();
    return static_cast<int>(std::max<decltype(left)>(left, 0));
}

}  // namespace

std::string resolve_program(const std::string& name, const std::string& search_path) {
    if (name.empty()) return "";
    if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : "";
    std::size_t start = 0;
    while (start <= search_path.size()) {
        std::size_t end = search_path.find(':', start);
        if (end == std::string::npos) end = search_path.size();
        std::string dir = search_path.substr(start, end - start);
        start = end + 1;
        if (dir.empty() || dir[0] != '/') continue;
        std::string candidate = dir + "/" + name;
        std::error_code ec;
        if (std::filesystem::is_regular_file(candidate, ec) && access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return "";
}

std::vector<std::string> shell_argv(const std::string& command) {
    return {"/bin/sh", "-c", command};
}

Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  const std::filesystem::path& cwd, const ProcessOptions& options) {
    return run_process_with(argv, cwd, options, ChildSetup{});
}

Result<ProcessResult> run_process_with(const std::vector<std::string>& argv,
                                       const std::filesystem::path& cwd,
                                       const ProcessOptions& options, const ChildSetup& setup) {
    const auto started = Clock::now();
    if (argv.empty() || argv[0].empty())
        return make_error(ErrorCode::invalid_input, "empty command");
    std::error_code ec;
    if (!std::filesystem::is_directory(cwd, ec))
        return make_error(ErrorCode::invalid_input, "not a folder: '" + cwd.string() + "'");

    ChildPlan plan;
    plan.dir = cwd.string();
    // Relative names with a slash are resolved in cwd, where the child will exec them.
    const std::string& name = argv[0];
    plan.program = name.find('/') != std::string::npos && name[0] != '/'
                       ? (cwd / name).string()
                       : resolve_program(name, search_path_of(options));
    if (plan.program.empty() || access(plan.program.c_str(), X_OK) != 0) {
        ProcessResult missing;
        missing.exit_code = kExecFailed;
        missing.err = "braid: cannot run '" + name + "': not found or not executable\n";
        missing.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        return missing;
    }
    for (const std::string& a : argv) plan.args.push_back(const_cast<char*>(a.c_str()));
    plan.args.push_back(nullptr);
    if (options.environment) {
        for (const std::string& e : *options.environment)
            plan.envp.push_back(const_cast<char*>(e.c_str()));
        plan.envp.push_back(nullptr);
    }
    plan.setup = &setup;
    plan.parent = getpid();

    auto out = make_pipe();
    if (!out) return std::move(out).error();
    auto err = make_pipe();
    if (!err) return std::move(err).error();

    const pid_t pid = fork();
    if (pid < 0) return make_error(ErrorCode::io, std::string("fork: ") + std::strerror(errno));
    if (pid == 0) run_child(plan, out->write.get(), err->write.get());
    out->write.reset();
    err->write.reset();
    Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));

    CappedOutput out_text(options.max_output_bytes), err_text(options.max_output_bytes);
    std::vector<char> buf(kReadChunk);
    const auto deadline = started + options.timeout;
    Clock::time_point kill_at{}, drain_until{};
    bool exited = false, term_sent = false, killed = false, cancelled = false;
    int status = 0;
    Fd* streams[2] = {&out->read, &err->read};
    CappedOutput* sinks[2] = {&out_text, &err_text};

    while (true) {
        const auto now = Clock::now();
        if (!exited && !term_sent && now >= deadline) {
            signal_tree(pid, SIGTERM);
            term_sent = true;
            kill_at = now + options.kill_grace;
        }
        if (!exited && term_sent && !killed && now >= kill_at) {
            signal_tree(pid, SIGKILL);
            killed = true;
        }
        if (exited && ((streams[0]->get() < 0 && streams[1]->get() < 0) || now >= drain_until))
            break;

        int wait_ms = -1;
        auto bound = [&wait_ms](int ms) { wait_ms = wait_ms < 0 ? ms : std::min(wait_ms, ms); };
        if (!term_sent && !exited) bound(ms_until(deadline));
        if (term_sent && !killed && !exited) bound(ms_until(kill_at));
        if (exited) bound(ms_until(drain_until));
        if (!exited && pidfd.get() < 0) bound(static_cast<int>(kExitPollInterval.count()));

        std::array<pollfd, 4> fds{pollfd{streams[0]->get(), POLLIN, 0},
                                  pollfd{streams[1]->get(), POLLIN, 0},
                                  pollfd{options.cancel_fd, POLLIN, 0},
                                  pollfd{exited ? -1 : pidfd.get(), POLLIN, 0}};
        const int ready = poll(fds.data(), fds.size(), wait_ms);
        if (ready < 0 && errno != EINTR)
            return make_error(ErrorCode::io, std::string("poll: ") + std::strerror(errno));
        if (ready > 0 && fds[2].revents != 0) {
            cancelled = true;
            break;
        }
        for (std::size_t i = 0; i < 2; ++i) {
            if (ready <= 0 || fds[i].revents == 0) continue;
            const ssize_t n = read(streams[i]->get(), buf.data(), buf.size());
            if (n > 0) sinks[i]->append(std::string_view(buf.data(), static_cast<std::size_t>(n)));
            else if (n == 0 || (errno != EINTR && errno != EAGAIN)) streams[i]->reset();
        }
        if (!exited && (pidfd.get() < 0 || (ready > 0 && fds[3].revents != 0))) {
            // Still a zombie after waitid(WNOWAIT): its pid, and so the group id, cannot be reused
            // yet, so the group kill below hits only what the command left behind.
            siginfo_t info{};
            if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                info.si_pid == pid) {
                kill(-pid, SIGKILL);
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
                }
                exited = true;
                drain_until = Clock::now() + kDrainAfterExit;
            }
        }
    }
    if (cancelled) {
        if (!exited) {
            signal_tree(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
        return make_error(ErrorCode::cancelled,
                          "'" + argv[0] + "' was cancelled; its process group was killed");
    }
    ProcessResult result;
    result.exit_code = exit_status(status);
    result.out = out_text.text();
    result.err = err_text.text();
    result.truncated = out_text.truncated() || err_text.truncated();
    result.timed_out = term_sent;
    result.wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    return result;
}

}  // namespace braid::tasks::env
