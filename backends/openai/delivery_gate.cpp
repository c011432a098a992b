#include "backends/openai/delivery_gate.hpp"

#include <algorithm>

namespace braid::backends::openai {

void DeliveryGate::begin_attempt() {
    std::fill(position_.begin(), position_.end(), 0);
}

bool DeliveryGate::deliver(std::size_t choice, std::string_view piece) {
    if (diverged_) return false;
    if (delivered_.size() <= choice) {
        delivered_.resize(choice + 1);
        position_.resize(choice + 1, 0);
    }
    std::string& seen = delivered_[choice];
    std::size_t& pos = position_[choice];
    if (pos < seen.size()) {  // replaying text the caller already has: verify, do not deliver
        std::size_t overlap = std::min(piece.size(), seen.size() - pos);
        if (std::string_view(seen).substr(pos, overlap) != piece.substr(0, overlap)) {
            diverged_ = true;
            return false;
        }
        pos += overlap;
        piece.remove_prefix(overlap);
    }
    if (piece.empty()) return true;
    seen.append(piece);
    pos += piece.size();
    if (sink_) sink_(choice, piece);
    return true;
}

bool DeliveryGate::settle(const std::vector<std::size_t>& final_sizes) {
    for (std::size_t c = 0; c < delivered_.size(); ++c) {
        std::size_t final_size = c < final_sizes.size() ? final_sizes[c] : 0;
        if (final_size < delivered_[c].size()) diverged_ = true;
    }
    return !diverged_;
}

std::size_t DeliveryGate::delivered_bytes() const {
    std::size_t total = 0;
    for (const std::string& s : delivered_) total += s.size();
    return total;
}

}  // namespace braid::backends::openai
