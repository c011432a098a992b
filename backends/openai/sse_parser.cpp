#include "backends/openai/sse_parser.hpp"

namespace braid::backends::openai {

namespace {

// The first CR or LF at or after `from`, or npos. (string_view::find_first_of calls memchr on the
// two-byte set once per input byte: several times slower on long pieces.)
std::size_t line_end(std::string_view bytes, std::size_t from) {
    for (std::size_t i = from; i < bytes.size(); ++i)
        if (bytes[i] == '\n' || bytes[i] == '\r') return i;
    return std::string_view::npos;
}

}  // namespace

void SseParser::feed(std::string_view bytes, const EventSink& on_event) {
    if (overflowed_) return;
    std::size_t i = 0;
    if (skip_lf_ && !bytes.empty()) {
        if (bytes[0] == '\n') i = 1;
        skip_lf_ = false;
    }
    while (i < bytes.size()) {
        std::size_t end = line_end(bytes, i);
        if (end == std::string_view::npos) {
            if (partial_.size() + (bytes.size() - i) > max_line_bytes_) {
                overflowed_ = true;
                partial_.clear();
                return;
            }
            partial_.append(bytes.substr(i));
            return;
        }
        // Fast path: the whole line lies in this piece.
        if (partial_.empty()) {
            line(bytes.substr(i, end - i), on_event);
        } else {
            partial_.append(bytes.substr(i, end - i));
            line(partial_, on_event);
            partial_.clear();
        }
        i = end + 1;
        if (bytes[end] == '\r') {
            if (i < bytes.size()) {
                if (bytes[i] == '\n') ++i;
            } else {
                skip_lf_ = true;
            }
        }
    }
}

void SseParser::finish(const EventSink& on_event) {
    if (overflowed_) return;
    if (!partial_.empty()) {
        std::string last = std::move(partial_);
        partial_.clear();
        line(last, on_event);
    }
    dispatch(on_event);
}

void SseParser::line(std::string_view text, const EventSink& on_event) {
    if (text.empty()) {
        dispatch(on_event);
        return;
    }
    if (text[0] == ':') return;  // comment
    std::size_t colon = text.find(':');
    std::string_view field = text.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
        value = text.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    }
    if (field == "data") {
        if (has_data_) pending_.data.push_back('\n');
        pending_.data.append(value);
        has_data_ = true;
    } else if (field == "event") {
        pending_.event.assign(value);
    } else if (field == "id") {
        pending_.id.assign(value);
    }
    // "retry" and unknown fields: ignored.
}

void SseParser::dispatch(const EventSink& on_event) {
    if (has_data_ && on_event) on_event(pending_);
    pending_.event.clear();
    pending_.data.clear();
    has_data_ = false;
    // The last event id persists across events, as the spec says.
}

}  // namespace braid::backends::openai
