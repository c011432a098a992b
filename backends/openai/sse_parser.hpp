#pragma once
// SseParser: an incremental Server-Sent Events parser (the WHATWG event-stream format).
//
// Feed it the bytes of a response body in pieces split anywhere (inside a line, between CR and LF,
// inside a UTF-8 sequence); it calls `on_event` once per complete event, in order. Lines end with
// LF, CRLF or a lone CR. `:` lines are comments (keep-alive pings) and are skipped. `event:` sets
// the event name; several `data:` lines join with '\n'; `id:` and `retry:` are recorded/ignored;
// unknown fields are ignored. An event is dispatched at a blank line, and only if it has data.
// "[DONE]" is ordinary data here: the caller decides what it means.
//
// Memory: a line longer than `max_line_bytes` (default 16 MiB) sets overflowed() and discards
// the rest of the stream; the caller turns that into an error.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace braid::backends::openai {

struct SseEvent {
    std::string event;  // "" when no `event:` line (the default type "message")
    std::string data;
    std::string id;
};

class SseParser {
public:
    using EventSink = std::function<void(const SseEvent&)>;

    explicit SseParser(std::size_t max_line_bytes = 16u << 20) : max_line_bytes_(max_line_bytes) {}

    void feed(std::string_view bytes, const EventSink& on_event);
    // End of stream: a final line without its terminator is processed, and a pending event with
    // data is dispatched (lenient: some servers omit the last blank line).
    void finish(const EventSink& on_event);

    bool overflowed() const { return overflowed_; }

private:
    void line(std::string_view text, const EventSink& on_event);
    void dispatch(const EventSink& on_event);

    std::string partial_;   // bytes of an unterminated line
    bool skip_lf_ = false;  // the previous piece ended in CR: a leading LF belongs to it
    bool has_data_ = false;
    SseEvent pending_;
    std::size_t max_line_bytes_;
    bool overflowed_ = false;
};

}  // namespace braid::backends::openai
