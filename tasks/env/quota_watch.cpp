#include "tasks/env/quota_watch.hpp"

#include <poll.h>

#include <cerrno>

#include "tasks/env/disk_usage.hpp"

namespace braid::tasks::env {

QuotaWatch::QuotaWatch(const SandboxPolicy& policy, int caller_cancel_fd)
    : folders_(policy.writable), quota_(policy.disk_quota_bytes), caller_fd_(caller_cancel_fd) {
    start_bytes_ = folder_bytes(folders_);
    thread_ = std::thread([this] { watch(); });
}

QuotaWatch::~QuotaWatch() {
    stop_.cancel();
    thread_.join();
}

std::uint64_t QuotaWatch::measure() const {
    return folder_bytes(folders_);
}

void QuotaWatch::watch() {
    for (;;) {
        pollfd fds[2] = {{stop_.read_fd(), POLLIN, 0}, {caller_fd_, POLLIN, 0}};
        const int ready =
            ::poll(fds, caller_fd_ >= 0 ? 2 : 1, static_cast<int>(kQuotaPoll.count()));
        if (ready < 0 && errno != EINTR) return;
        if (fds[0].revents != 0) return;
        if (caller_fd_ >= 0 && fds[1].revents != 0) {
            caller_cancelled_ = true;
            kill_.cancel();
            return;
        }
        if (over(measure())) {
            killed_over_quota_ = true;
            kill_.cancel();
            return;
        }
    }
}

std::string quota_message(std::uint64_t quota, bool killed) {
    return "braid: the workspace grew past its disk quota of " + std::to_string(quota >> 20) +
           " MiB" + (killed ? "; the command was stopped\n" : "\n");
}

}  // namespace braid::tasks::env
