#pragma once
// Test helper: run the built `braid` binary as a child process.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
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

// Starts braid with `args`, stdout/stderr to files in `dir`; returns the pid.
inline pid_t spawn_braid(const std::vector<std::string>& args, const TempDir& dir, const std::string& tag,
                         int stderr_pipe_write = -1) {
    pid_t pid = fork();
    if (pid == 0) {
        int out = open((dir / (tag + ".out")).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = stderr_pipe_write >= 0 ? stderr_pipe_write
                                         : open((dir / (tag + ".err")).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
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

inline Outcome run_braid(const std::vector<std::string>& args, const TempDir& dir) {
    static int counter = 0;
    std::string tag = "cmd" + std::to_string(counter++);
    pid_t pid = spawn_braid(args, dir, tag);
    Outcome o;
    o.exit_code = wait_exit(pid);
    o.out = slurp(dir / (tag + ".out"));
    o.err = slurp(dir / (tag + ".err"));
    return o;
}

inline std::string example(const std::string& relative) { return std::string(BRAID_SOURCE_DIR) + "/" + relative; }

}  // namespace braid::test
