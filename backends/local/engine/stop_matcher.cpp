#include "backends/local/engine/stop_matcher.hpp"

#include <algorithm>
#include <utility>

namespace braid::backends::local {

StopMatcher::StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}

StopMatcher::Fed StopMatcher::feed(std::string_view piece) {
    Fed out;
    if (stopped_) {
        out.stopped = true;
        return out;
    }
    held_.append(piece);
    // The earliest complete match wins (then the longer stop string at the same place). Held text
    // never contains a complete match, so searching the whole buffer finds only new ones.
    std::size_t best = std::string::npos, best_stop = 0;
    for (std::size_t s = 0; s < stops_.size(); ++s) {
        if (stops_[s].empty()) continue;
        const std::size_t at = held_.find(stops_[s]);
        if (at == std::string::npos) continue;
        if (at < best || (at == best && stops_[s].size() > stops_[best_stop].size())) {
            best = at;
            best_stop = s;
        }
    }
    if (best != std::string::npos) {
        stopped_ = true;
        matched_ = stops_[best_stop];
        out.stopped = true;
        out.stop_index = best_stop;
        out.text = held_.substr(0, best);
        held_.clear();
        return out;
    }
    // Hold back the longest suffix that is a proper prefix of some stop string.
    std::size_t hold = 0;
    for (const std::string& stop : stops_) {
        const std::size_t longest = std::min(stop.size() > 0 ? stop.size() - 1 : 0, held_.size());
        for (std::size_t n = longest; n > hold; --n) {
            if (std::string_view(held_).substr(held_.size() - n) ==
                std::string_view(stop).substr(0, n)) {
                hold = n;
                break;
            }
        }
    }
    out.text = held_.substr(0, held_.size() - hold);
    held_.erase(0, held_.size() - hold);
    return out;
}

std::string StopMatcher::flush() {
    std::string out = std::move(held_);
    held_.clear();
    return out;
}

}  // namespace braid::backends::local
