#include "backends/local/engine/sequence_text.hpp"

#include <utility>

namespace braid::backends::local {

namespace {
// Generated text continues a prompt, so no SentencePiece space prefix is removed.
DecodeOptions continuation() {
    DecodeOptions options;
    options.remove_space_prefix = false;
    return options;
}
}  // namespace

SequenceText::SequenceText(const Tokenizer& tokenizer, std::vector<std::string> stop)
    : decoder_(tokenizer, continuation()), stops_(std::move(stop)) {}

bool SequenceText::take(StopMatcher::Fed fed) {
    text_ += fed.text;
    ready_ += fed.text;
    return fed.stopped;
}

bool SequenceText::feed(std::int32_t token) {
    if (stops_.stopped()) return true;
    return take(stops_.feed(decoder_.feed(token)));
}

bool SequenceText::finish() {
    if (stops_.stopped()) return true;
    if (take(stops_.feed(decoder_.finish()))) return true;
    std::string rest = stops_.flush();
    text_ += rest;
    ready_ += rest;
    return false;
}

std::string SequenceText::release() {
    return std::exchange(ready_, std::string());
}

}  // namespace braid::backends::local
