#pragma once
// Helpers shared by the process and sandbox tests: the probed capabilities (probed once per test
// program), liveness checks through /proc, and a loopback listener.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>

#include "tasks/env/sandbox.hpp"

namespace braid::test {

inline const tasks::env::SandboxCapabilities& probed_capabilities() {
    static const tasks::env::SandboxCapabilities caps = tasks::env::probe_sandbox();
    return caps;
}

// Prints a warning and returns false when the probed sandbox lacks `what`.
inline bool have_layer(bool present, const char* what) {
    if (!present) std::cerr << "WARN: no " << what << " on this machine; test skipped\n";
    return present;
}

inline std::string proc_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Number of live (not zombie) processes whose command line contains `marker`.
inline int count_live_with(const std::string& marker) {
    int n = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (std::stoi(name) == getpid()) continue;
        std::string cmdline = proc_file(entry.path() / "cmdline");
        for (char& c : cmdline)
            if (c == '\0') c = ' ';
        if (cmdline.find(marker) == std::string::npos) continue;
        const std::string stat = proc_file(entry.path() / "stat");
        const auto paren = stat.rfind(')');
        if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z' &&
            stat[paren + 2] != 'X')
            ++n;
    }
    return n;
}

// Waits (bounded) until no live process carries `marker`: a SIGKILLed process takes a moment to
// go. Returns the count left at the end.
inline int live_after_settling(const std::string& marker) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    int n = count_live_with(marker);
    while (n > 0 && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        n = count_live_with(marker);
    }
    return n;
}

inline std::string unique_marker(const char* what) {
    return std::string("braid-") + what + "-" + std::to_string(getpid()) + "-" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

// A TCP listener on 127.0.0.1 (host network namespace), closed on destruction.
class LoopbackListener {
public:
    LoopbackListener() {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        socklen_t len = sizeof addr;
        if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            listen(fd_, 8) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
            throw std::runtime_error("cannot open a loopback listener");
        port_ = ntohs(addr.sin_port);
    }
    ~LoopbackListener() {
        if (fd_ >= 0) close(fd_);
    }
    LoopbackListener(const LoopbackListener&) = delete;
    LoopbackListener& operator=(const LoopbackListener&) = delete;
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace braid::test
