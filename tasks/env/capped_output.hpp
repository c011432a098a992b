#pragma once
// Internal to tasks/env: a stream's captured output, bounded. Up to `cap` bytes are kept as they
// came; past that, the first cap/2 and the last cap/2 bytes, joined by a line saying how many
// bytes were dropped.

#include <cstddef>
#include <string>
#include <string_view>

namespace braid::tasks::env {

class CappedOutput {
public:
    explicit CappedOutput(std::size_t cap) : cap_(cap) {}
    void append(std::string_view bytes);
    bool truncated() const { return total_ > cap_; }
    std::string text() const;  // the kept bytes (with the drop marker when truncated)

private:
    std::size_t cap_;
    std::string head_;
    std::string tail_;  // may hold up to 2x its share: trimmed when it doubles, so appends stay O(1)
    std::size_t total_ = 0;  // bytes seen
};

}  // namespace braid::tasks::env
