#pragma once
// StreamDecoder: turns ids into text one id at a time, as a generation loop produces them.
// Every piece it returns is well-formed UTF-8 and never ends inside a character: bytes of an
// incomplete character (split across byte-level BPE tokens or SPM <0xXX> tokens) wait for the
// next id. An ill-formed sequence becomes U+FFFD as soon as it is known to be ill-formed; finish()
// turns a still-incomplete tail into U+FFFD. Concatenating every feed() and finish() gives
// repair_utf8(tokenizer.decode(ids, options)), which is decode() itself for well-formed text.
//
// Holds a reference to the Tokenizer, which must outlive it. One decoder per sequence.

#include <cstdint>
#include <string>

#include "backends/local/tokenizer/tokenizer.hpp"

namespace braid::backends::local {

class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, DecodeOptions options = {})
        : tokenizer_(&tokenizer), options_(options) {}

    // The text that `id` completes; often empty.
    std::string feed(std::int32_t id);
    // The rest, with an incomplete trailing character as U+FFFD; the decoder can then be reused
    // for a new sequence.
    std::string finish();

private:
    std::string take_complete();

    const Tokenizer* tokenizer_;
    DecodeOptions options_;
    std::string pending_;  // bytes not yet returned: at most one incomplete character
    bool at_text_start_ = true;
};

}  // namespace braid::backends::local
