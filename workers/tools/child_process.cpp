#include "workers/tools/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace braid::workers::tools {

namespace {

constexpr int kExecFailed = 127;

struct Pipe {
    int fd[2] = {-1, -1};
    ~Pipe() {
        for (int f : fd)
            if (f >= 0) close(f);
    }
    void close_end(int i) {
        if (fd[i] >= 0) close(fd[i]);
        fd[i] = -1;
    }
};

Error sys_error(const std::string& what) {
    return make_error(ErrorCode::io, what + ": " + std::strerror(errno));
}

// Reads what is available from `fd` into `into` (up to `cap`; the rest is discarded). Returns
// false at end of file.
bool drain(int fd, std::string& into, std::size_t cap, bool& truncated) {
    std::array<char, 4096> buf{};
    ssize_t n = read(fd, buf.data(), buf.size());
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) return false;
    auto got = static_cast<std::size_t>(n);
    std::size_t keep = into.size() < cap ? std::min(got, cap - into.size()) : 0;
    into.append(buf.data(), keep);
    if (keep < got) truncated = true;
    return true;
}

int exit_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

Result<ProcessResult> run_child_process(const std::vector<std::string>& argv,
                                        const std::filesystem::path& cwd,
                                        std::chrono::milliseconds timeout,
                                        std::size_t max_output_bytes, int cancel_fd) {
    if (argv.empty() || argv[0].empty())
        return make_error(ErrorCode::invalid_input, "empty command");
    Pipe out, err;
    if (pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0) return sys_error("pipe");

    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string dir = cwd.string();

    pid_t pid = fork();
    if (pid < 0) return sys_error("fork");
    if (pid == 0) {
        // Child: only async-signal-safe calls until exec.
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        dup2(out.fd[1], STDOUT_FILENO);
        dup2(err.fd[1], STDERR_FILENO);
        if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(kExecFailed);
        execvp(args[0], args.data());
        const char msg[] = "exec failed\n";
        ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
        (void)ignored;
        _exit(kExecFailed);
    }
    setpgid(pid, pid);  // also from the parent, so the group exists before any kill below
    out.close_end(1);
    err.close_end(1);

    ProcessResult result;
    bool err_truncated = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool out_open = true, err_open = true, timed_out = false, cancelled = false;
    while (out_open || err_open) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        std::array<pollfd, 3> fds{pollfd{out_open ? out.fd[0] : -1, POLLIN, 0},
                                  pollfd{err_open ? err.fd[0] : -1, POLLIN, 0},
                                  pollfd{cancel_fd, POLLIN, 0}};
        int ready = poll(fds.data(), fds.size(), static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) break;
        if (ready <= 0) continue;
        if (fds[2].revents != 0) {
            cancelled = true;
            break;
        }
        if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
            out_open = drain(out.fd[0], result.out, max_output_bytes, result.truncated);
        if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
            err_open = drain(err.fd[0], result.err, max_output_bytes, err_truncated);
    }
    // The pipes are closed (or the deadline passed): the child has exited or is about to; on a
    // timeout, kill the whole group so grandchildren holding the pipes die too.
    if (timed_out || cancelled) kill(-pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (cancelled)
        return make_error(ErrorCode::cancelled,
                          "'" + argv[0] + "' was cancelled; its process group was killed");
    if (timed_out) {
        return make_error(ErrorCode::timeout, "'" + argv[0] + "' timed out after " +
                                                  std::to_string(timeout.count()) +
                                                  " ms; its process group was killed");
    }
    // A grandchild may still run with the group id; it no longer holds our pipes. Kill it too, so
    // no tool call leaves processes behind.
    kill(-pid, SIGKILL);
    result.exit_code = exit_status(status);
    if (result.exit_code == kExecFailed && result.out.empty() &&
        result.err.find("exec failed") != std::string::npos)
        return make_error(ErrorCode::io,
                          "cannot run '" + argv[0] + "' (not found or not executable)");
    return result;
}

}  // namespace braid::workers::tools
