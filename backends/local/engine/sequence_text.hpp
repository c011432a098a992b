#pragma once
// SequenceText: a generating sequence's text, token by token, with stop strings.
//
// Tokens go through a StreamDecoder (pieces are whole UTF-8 characters) and then a StopMatcher
// (a stop string and everything after it is dropped; text that could still begin a stop string is
// held back). The released pieces never contain part of a stop string and their concatenation
// equals text(). Holds a reference to the Tokenizer (must outlive it). Not thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "backends/local/engine/stop_matcher.hpp"
#include "backends/local/tokenizer/stream_decoder.hpp"

namespace braid::backends::local {

class SequenceText {
public:
    SequenceText(const Tokenizer& tokenizer, std::vector<std::string> stop);

    // Adds a generated token's text. Returns true once a stop string has appeared.
    bool feed(std::int32_t token);
    // The end of generation: flushes the decoder (an incomplete character becomes U+FFFD) and the
    // held-back text. Returns true when a stop string appeared in the flushed tail. Idempotent.
    bool finish();

    // Text that is final and not yet released; empties it.
    std::string release();
    const std::string& text() const { return text_; }
    // The stop string that ended the text; "" when none has matched.
    const std::string& stop_sequence() const { return stops_.matched(); }

private:
    bool take(StopMatcher::Fed fed);

    StreamDecoder decoder_;
    StopMatcher stops_;
    std::string text_;   // final text so far
    std::string ready_;  // the part of text_ not yet released
};

}  // namespace braid::backends::local
