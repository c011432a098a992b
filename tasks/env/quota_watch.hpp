#pragma once
// Internal to tasks/env: the disk quota of Sandbox::run (SandboxPolicy::disk_quota_bytes).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tasks/env/cancel_pipe.hpp"
#include "tasks/env/sandbox.hpp"

namespace braid::tasks::env {

// Measures the writable folders every kQuotaPoll while a command runs, and kills the command
// (through the pipe it polls) once they have grown past the quota. Also forwards the caller's
// cancellation. The destructor stops and joins the thread.
class QuotaWatch {
public:
    QuotaWatch(const SandboxPolicy& policy, int caller_cancel_fd);
    ~QuotaWatch();
    QuotaWatch(const QuotaWatch&) = delete;
    QuotaWatch& operator=(const QuotaWatch&) = delete;

    int kill_fd() const { return kill_.read_fd(); }  // the command's cancel_fd
    bool caller_cancelled() const { return caller_cancelled_.load(); }
    // Whether the folders hold more than the quota and more than when the command started (a
    // command in a workspace already past its quota may still remove files).
    bool over(std::uint64_t bytes) const { return bytes > quota_ && bytes > start_bytes_; }
    bool killed_over_quota() const { return killed_over_quota_.load(); }
    std::uint64_t measure() const;

private:
    void watch();

    std::vector<std::filesystem::path> folders_;
    std::uint64_t quota_;
    std::uint64_t start_bytes_ = 0;
    int caller_fd_;
    CancelPipe kill_, stop_;
    std::atomic<bool> caller_cancelled_{false}, killed_over_quota_{false};
    std::thread thread_;
};

// What stderr gets: the workspace grew past `quota` bytes (and the command was `killed`).
std::string quota_message(std::uint64_t quota, bool killed);

}  // namespace braid::tasks::env
