// StreamAssembler: the stream's bookkeeping, and the fast path for plain text chunks. The DOM path
// for every other chunk is in stream_assembler_json.cpp.
#include "backends/openai_wire/stream_assembler.hpp"

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
        finish_choice(c, std::move(s.finish_reason));
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
    c.completion.text += piece;
    if (on_text) on_text(index, piece);
}

void StreamAssembler::finish_choice(Choice& c, std::string reason) {
    if (reason.empty()) return;
    c.completion.finish_reason = std::move(reason);
    c.finished = true;
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
    for (Choice& c : choices_)
        if (c.seen) out.push_back(std::move(c.completion));
    choices_.clear();
    return out;
}

}  // namespace braid::backends::openai_wire
