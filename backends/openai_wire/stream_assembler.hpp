#pragma once
// StreamAssembler: turns the `data:` payloads of an OpenAI SSE stream (chat.completion.chunk or
// text_completion chunks) into finished completions (ecosystem.md §1.3).
//
// - Deltas are kept per choice index, so n > 1 streams with interleaved choices assemble
//   correctly; `on_text(choice, piece)` sees each text piece as it arrives, in order.
// - Tool-call fragments are accumulated per (choice, tool index): the first fragment brings id and
//   name, later ones append to `arguments`. Lenient with drifting servers: a fragment without
//   `index` goes to the call with the same id, else to a new call when it brings a new id, else
//   to the call opened last; `arguments: null` is ignored.
// - The usage-only chunk (`choices: []`, stream_options.include_usage) and usage on any chunk are
//   recorded; the last one wins.
// - "[DONE]" ends the stream; it is optional (finished() only needs every choice's finish_reason).
// - An `error` object in a chunk, data that is not JSON, or a choice index above max_choices
//   ends the stream with an Error: ErrorCode::backend (retryable per stream_error_retryable) or
//   ErrorCode::parse (retryable). After an error, feed() returns the same error again.
// - Text is UTF-8 whatever the server sends: a character split across events is joined (its first
//   bytes are held back until the next piece), and bytes that form no character become U+FFFD,
//   in the pieces and in the completion alike. A chunk the full parser refuses only for such
//   bytes is parsed again repaired.
// - Plain text chunks take a DOM-free fast path (chunk_scanner.hpp); every other chunk goes
//   through nlohmann::json. Both paths apply the same rules.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "backends/openai_wire/chunk_scanner.hpp"

namespace braid::backends::openai_wire {

class StreamAssembler {
public:
    using TextSink = std::function<void(std::size_t choice, std::string_view piece)>;
    static constexpr std::size_t max_choices = 1024;

    explicit StreamAssembler(Endpoint endpoint) : endpoint_(endpoint) {}

    // One SSE event's data.
    Result<void> feed(std::string_view data, const TextSink& on_text);

    bool saw_done() const { return done_; }
    // At least one choice arrived and every choice that arrived has its finish_reason.
    bool finished() const;
    std::size_t num_choices() const { return choices_.size(); }
    const std::optional<Usage>& usage() const { return usage_; }
    // The completions by choice index (usage and latency left for the caller). Leaves this empty.
    std::vector<Completion> take_completions();

private:
    struct ToolSlot {
        long index = -1;  // the wire index, -1 when the server sent none
    };
    struct Choice {
        Completion completion;
        std::vector<ToolSlot> slots;  // parallel to completion.tool_calls
        std::string held;  // trailing bytes of a UTF-8 sequence the next piece may finish
        bool seen = false;
        bool finished = false;
    };

    // The DOM path (stream_assembler_json.cpp) for chunks the fast scanner hands back.
    Result<void> feed_json(std::string_view data, const TextSink& on_text);
    Choice& choice_at(std::size_t index);
    // Joins `piece` to the choice's held bytes, delivers what is whole (repaired) and holds back
    // a trailing sequence the next piece may finish.
    void append_piece(std::size_t index, Choice& c, std::string_view piece,
                      const TextSink& on_text);
    static void deliver(std::size_t index, Choice& c, std::string_view text,
                        const TextSink& on_text);
    // Delivers the held bytes as U+FFFD: the stream will not finish their character.
    static void flush_held(std::size_t index, Choice& c, const TextSink& on_text);
    static void finish_choice(std::size_t index, Choice& c, std::string reason,
                              const TextSink& on_text);

    Endpoint endpoint_;
    ScannedChunk scanned_;  // the fast path's reused buffers
    std::vector<Choice> choices_;
    std::optional<Usage> usage_;
    std::optional<Error> error_;
    bool done_ = false;

    friend struct StreamAssemblerAccess;  // stream_assembler_json.cpp fills choices from JSON
};

}  // namespace braid::backends::openai_wire
