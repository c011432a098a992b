#pragma once
// The pipe through which a coroutine stops a blocking run_process / Sandbox::run on a pool thread:
// the run polls read_fd() as its `cancel_fd`, and a byte written to write_fd() (cancel()) kills it.
// Both ends are close-on-exec and closed on destruction. When pipe2 fails both fds are -1, and
// the run simply cannot be cancelled.

#include <fcntl.h>
#include <unistd.h>

namespace braid::tasks::env {

class CancelPipe {
public:
    CancelPipe() {
        if (pipe2(fd_, O_CLOEXEC) != 0) fd_[0] = fd_[1] = -1;
    }
    ~CancelPipe() {
        for (int f : fd_)
            if (f >= 0) close(f);
    }
    CancelPipe(const CancelPipe&) = delete;
    CancelPipe& operator=(const CancelPipe&) = delete;

    int read_fd() const { return fd_[0]; }
    int write_fd() const { return fd_[1]; }
    // Asks the run to stop; safe to call more than once.
    void cancel() const {
        if (fd_[1] < 0) return;
        const char byte = 1;
        [[maybe_unused]] ssize_t written = write(fd_[1], &byte, 1);
    }

private:
    int fd_[2] = {-1, -1};
};

}  // namespace braid::tasks::env
