#include "backends/local/tokenizer/stream_decoder.hpp"

#include "backends/local/tokenizer/unicode.hpp"

namespace braid::backends::local {

std::string StreamDecoder::feed(std::int32_t id) {
    tokenizer_->append_token_bytes(id, options_, at_text_start_, pending_);
    return take_complete();
}

std::string StreamDecoder::take_complete() {
    std::string out;
    std::size_t pos = 0;
    while (pos < pending_.size()) {
        const Utf8Char ch = decode_utf8(pending_, pos);
        if (ch.status == Utf8Status::truncated) break;  // wait for the rest of the character
        if (ch.status == Utf8Status::ok) out.append(pending_, pos, ch.length);
        else append_utf8(out, replacement_character);
        pos += ch.length;
    }
    pending_.erase(0, pos);
    return out;
}

std::string StreamDecoder::finish() {
    std::string out = take_complete();
    if (!pending_.empty()) append_utf8(out, replacement_character);  // repair_utf8's rule too
    pending_.clear();
    at_text_start_ = true;
    return out;
}

}  // namespace braid::backends::local
