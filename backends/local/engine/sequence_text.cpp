#include "backends/local/engine/sequence_text.hpp"

#include <algorithm>

namespace braid::backends::local {

namespace {
// DecodeOptions for generated text: it continues a prompt, so no SentencePiece space is removed.
DecodeOptions continuation() {
    DecodeOptions options;
    options.remove_space_prefix = false;
    return options;
}
}  // namespace

SequenceText::SequenceText(const Tokenizer& tokenizer, std::vector<std::string> stop)
    : decoder_(tokenizer, continuation()), stop_(std::move(stop)) {
    std::erase_if(stop_, [](const std::string& s) { return s.empty(); });
}

bool SequenceText::feed(std::int32_t token) {
    if (stopped_) return true;
    return append(decoder_.feed(token), false);
}

bool SequenceText::finish() {
    if (stopped_) return true;
    bool hit = append(decoder_.finish(), true);
    safe_ = text_.size();
    return hit;
}

bool SequenceText::append(const std::string& piece, bool final_piece) {
    std::size_t longest = 0;
    for (const std::string& s : stop_) longest = std::max(longest, s.size());
    // A stop string that ends in the new piece starts at most longest-1 bytes before it.
    std::size_t search_from = text_.size() >= longest ? text_.size() - longest + 1 : 0;
    text_ += piece;
    std::size_t cut = std::string::npos;
    for (const std::string& s : stop_) cut = std::min(cut, text_.find(s, search_from));
    if (cut != std::string::npos) {
        text_.resize(cut);
        safe_ = text_.size();
        stopped_ = true;
        return true;
    }
    if (final_piece) return false;
    // Hold back the longest suffix that is a proper prefix of some stop string.
    std::size_t hold = 0;
    for (const std::string& s : stop_)
        for (std::size_t n = std::min(s.size() - 1, text_.size()); n > hold; --n)
            if (text_.compare(text_.size() - n, n, s, 0, n) == 0) {
                hold = n;
                break;
            }
    safe_ = std::max(safe_, text_.size() - hold);
    return false;
}

std::string SequenceText::release() {
    std::string out = text_.substr(released_, safe_ - released_);
    released_ = safe_;
    return out;
}

}  // namespace braid::backends::local
