#pragma once
// StreamEncoder: the server-sent-events body of one streamed OpenAI response
// (reference/ecosystem.md §1.3), produced incrementally as backend pieces arrive.
//
// Chat (chat.completion.chunk): the first chunk of every choice carries `role`; content pieces
// follow as `delta.content`; when a choice ends, each tool call goes out as one
// `delta.tool_calls` entry that always carries `index` (plus id, type, name and the full
// arguments), then a last chunk with an empty delta, `stop_reason` (the matched stop string or
// null, as vLLM), the logprobs and `finish_reason`
// (null in every earlier chunk). Completions (text_completion) chunks carry `text` instead.
// With include_usage, every chunk has `"usage":null` and usage() emits the `choices:[]` chunk.
//
// Pieces are held back while they end inside a UTF-8 sequence, so a character split across
// backend pieces is never mangled; bytes that are not UTF-8 become U+FFFD. The encoder only
// appends to the caller's buffer; framing for HTTP (chunked coding) is the caller's business.
// StreamAssembler (stream_assembler.hpp) reads these chunks back.

#include <string>
#include <string_view>
#include <vector>

#include "backends/openai_wire/api_error.hpp"
#include "backends/openai_wire/api_request.hpp"
#include "backends/openai_wire/api_response.hpp"

namespace braid::backends::openai_wire {

class StreamEncoder {
public:
    StreamEncoder(const ApiRequest& request, const ResponseMeta& meta);

    // The opening chunks: role deltas of every choice (chat); nothing for completions.
    void begin(std::string& out);
    // A piece of choice `choice`'s text.
    void content(std::string& out, std::size_t choice, std::string_view piece);
    // Choice `choice` ended with `completion`: held-back bytes, tool calls, final chunk.
    void finish(std::string& out, std::size_t choice, const Completion& completion);
    // The usage chunk (`choices: []`); call only when include_usage.
    void usage(std::string& out, const Usage& usage);
    // An in-stream error event: `data: {"error":{...}}`.
    void error(std::string& out, const ApiError& error);
    // `data: [DONE]`.
    void done(std::string& out);

private:
    void open_chunk(std::string& out, std::size_t choice);
    void close_chunk(std::string& out, std::string_view logprobs, std::string_view finish_reason);
    void text_chunk(std::string& out, std::size_t choice, std::string_view text);

    bool chat_;
    bool logprobs_;
    std::string prefix_;  // `data: {"id":...,"choices":[{`
    std::string suffix_;  // `]` + optional `,"usage":null` + `}\n\n`
    std::string usage_prefix_;
    std::vector<std::string> held_;  // per choice: trailing bytes of an unfinished UTF-8 sequence
};

}  // namespace braid::backends::openai_wire
