#pragma once
// SequenceText: a generating sequence's text, token by token, with stop strings.
//
// Tokens go through a StreamDecoder (so pieces are whole UTF-8 characters). The text is checked
// for stop strings as it grows; a stop string and everything after it is dropped. Text that could
// still be the start of a stop string is held back until it is known not to be, so the streamed
// pieces (release()) never contain a part of a stop string and their concatenation equals text().
// Holds a reference to the Tokenizer (must outlive it). Not thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "backends/local/tokenizer/stream_decoder.hpp"

namespace braid::backends::local {

class SequenceText {
public:
    SequenceText(const Tokenizer& tokenizer, std::vector<std::string> stop);

    // Adds a generated token's text. Returns true when a stop string has now appeared.
    bool feed(std::int32_t token);
    // The end of generation: flushes the decoder (an incomplete character becomes U+FFFD) and
    // releases any held-back text. Returns true when a stop string appeared in the flushed tail.
    bool finish();

    // Text that is final and not yet released; empties it.
    std::string release();
    const std::string& text() const { return text_; }
    bool stopped() const { return stopped_; }

private:
    bool append(const std::string& piece, bool final_piece);

    StreamDecoder decoder_;
    std::vector<std::string> stop_;
    std::string text_;          // final text so far (stop string removed once found)
    std::size_t released_ = 0;  // bytes of text_ handed out by release()
    std::size_t safe_ = 0;      // bytes of text_ that can no longer begin a stop string
    bool stopped_ = false;
};

}  // namespace braid::backends::local
