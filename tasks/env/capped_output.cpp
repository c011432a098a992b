#include "tasks/env/capped_output.hpp"

namespace braid::tasks::env {

namespace {
constexpr std::size_t kTrimSlack = 4096;
}

void CappedOutput::append(std::string_view bytes) {
    const std::size_t head_cap = cap_ - cap_ / 2;
    const std::size_t tail_cap = cap_ / 2;
    const bool was_truncated = truncated();
    total_ += bytes.size();
    if (!truncated()) {
        head_.append(bytes);
        return;
    }
    if (!was_truncated) {
        // First overflow: what the head holds past its share starts the tail.
        if (head_.size() > head_cap) {
            tail_ = head_.substr(head_cap);
            head_.resize(head_cap);
        }
        const std::size_t to_head = std::min(bytes.size(), head_cap - head_.size());
        head_.append(bytes.substr(0, to_head));
        bytes.remove_prefix(to_head);
    }
    tail_.append(bytes);
    if (tail_.size() >= 2 * tail_cap + kTrimSlack) tail_.erase(0, tail_.size() - tail_cap);
}

std::string CappedOutput::text() const {
    if (!truncated()) return head_;
    const std::size_t tail_cap = cap_ / 2;
    const std::size_t skip = tail_.size() > tail_cap ? tail_.size() - tail_cap : 0;
    const std::size_t kept = head_.size() + tail_.size() - skip;
    return head_ + "\n[... " + std::to_string(total_ - kept) + " bytes dropped ...]\n" +
           tail_.substr(skip);
}

}  // namespace braid::tasks::env
