#pragma once
// Test helper: run the built `braid` binary as a child process.

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace braid::test {

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Outcome {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// How a braid child process runs beyond its arguments.
struct SpawnOptions {
    int stderr_pipe_write = -1;  // stderr to this pipe instead of a file
    // Caps the size of every file braid writes (RLIMIT_FSIZE, SIGXFSZ ignored): a write past it
    // fails as on a full disk.
    rlim_t max_file_bytes = RLIM_INFINITY;
    // Runs braid as this user (and group) when the test runs as root, so that file permissions
    // apply to it; ignored otherwise.
    std::optional<uid_t> user_if_root;
    std::vector<std::pair<std::string, std::string>> environment;  // set in the child
};

// The uid of `nobody`, for SpawnOptions::user_if_root.
inline constexpr uid_t nobody_uid = 65534;

// Starts braid with `args`, stdout/stderr to files in `dir`; returns the pid.
inline pid_t spawn_braid(const std::vector<std::string>& args, const TempDir& dir, const std::string& tag,
                         const SpawnOptions& options = {}) {
    const std::string out_path = dir / (tag + ".out");
    const std::string err_path = dir / (tag + ".err");
    pid_t pid = fork();
    if (pid == 0) {
        if (options.max_file_bytes != RLIM_INFINITY) {
            signal(SIGXFSZ, SIG_IGN);
            const rlimit limit{options.max_file_bytes, options.max_file_bytes};
            if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(126);
        }
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int err = options.stderr_pipe_write >= 0 ? options.stderr_pipe_write
                                                 : open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
        for (const auto& [name, value] : options.environment) setenv(name.c_str(), value.c_str(), 1);
        if (options.user_if_root && geteuid() == 0) {
            if (setgid(*options.user_if_root) != 0 || setuid(*options.user_if_root) != 0) _exit(126);
        }
        dup2(out, STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        std::vector<char*> argv;
        argv.push_back(const_cast<char*>(BRAID_BINARY));
        for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execv(BRAID_BINARY, argv.data());
        _exit(127);
    }
    return pid;
}

inline int wait_exit(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

inline Outcome run_braid(const std::vector<std::string>& args, const TempDir& dir,
                         const SpawnOptions& options = {}) {
    static int counter = 0;
    std::string tag = "cmd" + std::to_string(counter++);
    pid_t pid = spawn_braid(args, dir, tag, options);
    Outcome o;
    o.exit_code = wait_exit(pid);
    o.out = slurp(dir / (tag + ".out"));
    o.err = slurp(dir / (tag + ".err"));
    return o;
}

// `braid serve` on an ephemeral port (the address is the first line it prints). stop() sends
// SIGTERM and returns the exit code; a server still running when this goes out of scope (a failed
// assertion) is killed, so no test leaves a server behind holding ctest's output pipe.
struct ServeProcess {
    pid_t pid = -1;
    std::uint16_t port = 0;

    explicit ServeProcess(std::vector<std::string> args) {
        int fds[2];
        if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
        pid = fork();
        if (pid == 0) {
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            std::vector<char*> argv{const_cast<char*>(BRAID_BINARY)};
            for (std::string& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(BRAID_BINARY, argv.data());
            _exit(127);
        }
        close(fds[1]);
        FILE* out = fdopen(fds[0], "r");
        char line[512] = {};
        const bool listening = std::fgets(line, sizeof line, out) != nullptr;  // blocks until it listens
        std::fclose(out);
        std::string text(line);
        const auto v1 = text.find("/v1");
        if (!listening || v1 == std::string::npos) {
            stop();
            throw std::runtime_error("braid serve did not start: '" + text + "'");
        }
        auto colon = text.rfind(':', v1);
        port = static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1)));
    }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;
    ~ServeProcess() {
        if (pid <= 0) return;
        kill(pid, SIGKILL);
        wait_exit(pid);
    }
    int stop() {
        kill(pid, SIGTERM);
        int code = wait_exit(pid);
        pid = -1;
        return code;
    }
};

// A summary's task rows without their wall times, which differ from run to run.
template <class Json>
Json tasks_without_wall_time(Json tasks) {
    for (auto& t : tasks)
        if (t.contains("metrics")) t["metrics"].erase("wall_ms");
    return tasks;
}

inline std::string example(const std::string& relative) { return std::string(BRAID_SOURCE_DIR) + "/" + relative; }

}  // namespace braid::test
