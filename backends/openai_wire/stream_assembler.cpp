// StreamAssembler: the stream's bookkeeping, and the fast path for plain text chunks. The DOM path
// for every other chunk is in stream_assembler_json.cpp.
#include "backends/openai_wire/stream_assembler.hpp"

#include "core/utf8.hpp"

namespace braid::backends::openai_wire {

Result<void> StreamAssembler::feed(std::string_view data, const TextSink& on_text) {
    if (error_) return *error_;
    if (done_) return {};  // anything after [DONE] is ignored
    if (data == "[DONE]") {
        done_ = true;
        return {};
    }
    if (!scan_plain_chunk(data, endpoint_, max_choices, scanned_)) return feed_json(data, on_text);
    for (std::size_t i = 0; i < scanned_.count; ++i) {
        ScannedChoice& s = scanned_.choices[i];
        Choice& c = choice_at(s.index);
        append_piece(s.index, c, s.piece, on_text);
        if (!s.stop_sequence.empty()) c.completion.stop_sequence = std::move(s.stop_sequence);
        finish_choice(s.index, c, std::move(s.finish_reason), on_text);
    }
    return {};
}

StreamAssembler::Choice& StreamAssembler::choice_at(std::size_t index) {
    if (choices_.size() <= index) choices_.resize(index + 1);
    Choice& c = choices_[index];
    c.seen = true;
    return c;
}

void StreamAssembler::append_piece(std::size_t index, Choice& c, std::string_view piece,
                                   const TextSink& on_text) {
    if (piece.empty()) return;
    if (c.held.empty() && is_valid_utf8(piece)) {  // the common case: nothing to join or repair
        deliver(index, c, piece, on_text);
        return;
    }
    std::string joined = std::move(c.held) + std::string(piece);
    const std::size_t ready = complete_utf8_prefix(joined);
    c.held = joined.substr(ready);
    deliver(index, c, repair_utf8(std::string_view(joined).substr(0, ready)), on_text);
}

void StreamAssembler::deliver(std::size_t index, Choice& c, std::string_view text,
                              const TextSink& on_text) {
    if (text.empty()) return;
    c.completion.text += text;
    if (on_text) on_text(index, text);
}

void StreamAssembler::finish_choice(std::size_t index, Choice& c, std::string reason,
                                    const TextSink& on_text) {
    if (reason.empty()) return;
    flush_held(index, c, on_text);
    c.completion.finish_reason = std::move(reason);
    c.finished = true;
}

void StreamAssembler::flush_held(std::size_t index, Choice& c, const TextSink& on_text) {
    if (c.held.empty()) return;
    deliver(index, c, repair_utf8(c.held), on_text);  // a sequence the stream never finished
    c.held.clear();
}

bool StreamAssembler::finished() const {
    bool any = false;
    for (const Choice& c : choices_) {
        if (!c.seen) continue;
        if (!c.finished) return false;
        any = true;
    }
    return any;
}

std::vector<Completion> StreamAssembler::take_completions() {
    std::vector<Completion> out;
    for (std::size_t i = 0; i < choices_.size(); ++i) {
        Choice& c = choices_[i];
        if (!c.seen) continue;
        flush_held(i, c, nullptr);
        out.push_back(std::move(c.completion));
    }
    choices_.clear();
    return out;
}

}  // namespace braid::backends::openai_wire
