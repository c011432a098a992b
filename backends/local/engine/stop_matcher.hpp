#pragma once
// StopMatcher: stop strings over streamed text. Feed decoded text pieces in order; it returns the
// text that is safe to emit now and holds back any tail that could still become a stop string,
// so a stop string split across pieces ("</an" + "swer>") is never emitted in part.
//
// After a match, feed() returns the text before the earliest match (the stop string itself is
// dropped, as in the OpenAI API), stopped() is true, and later feeds return nothing. At the end of
// a generation without a match, flush() returns the held-back text. Empty stop strings are
// ignored. Thread-safety: none; one per sequence.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace braid::backends::local {

class StopMatcher {
public:
    explicit StopMatcher(std::vector<std::string> stops);

    struct Fed {
        std::string text;      // emit this now
        bool stopped = false;  // a stop string matched; text ends right before it
        std::size_t stop_index = 0;  // which stop string (index into the constructor's list)
    };
    Fed feed(std::string_view piece);

    // The held-back text (call once generation ends without a match); empties the buffer.
    std::string flush();

    bool stopped() const { return stopped_; }
    // The stop string that matched ("" until one has).
    const std::string& matched() const { return matched_; }
    std::size_t held_bytes() const { return held_.size(); }

private:
    std::vector<std::string> stops_;
    std::string held_;
    bool stopped_ = false;
    std::string matched_;
};

}  // namespace braid::backends::local
