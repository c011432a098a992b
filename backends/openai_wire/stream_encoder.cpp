// StreamEncoder: chunks written byte by byte (no DOM per piece); the shared shapes (usage,
// logprobs, errors) come from wire_json and api_error.
#include "backends/openai_wire/stream_encoder.hpp"

#include "backends/openai_wire/json_string.hpp"
#include "backends/openai_wire/wire_json.hpp"

namespace braid::backends::openai_wire {

StreamEncoder::StreamEncoder(const ApiRequest& request, const ResponseMeta& meta)
    : chat_(request.endpoint == Endpoint::chat_completions),
      logprobs_(request.logprobs),
      held_(request.num_choices()) {
    std::string head = "data: {\"id\":";
    append_json_string(head, meta.id);
    head += chat_ ? ",\"object\":\"chat.completion.chunk\"" : ",\"object\":\"text_completion\"";
    head += ",\"created\":" + std::to_string(meta.created) + ",\"model\":";
    append_json_string(head, meta.model);
    usage_prefix_ = head + ",\"choices\":[],\"usage\":";
    prefix_ = head + ",\"choices\":[{";
    suffix_ = request.include_usage ? "],\"usage\":null}\n\n" : "]}\n\n";
}

void StreamEncoder::open_chunk(std::string& out, std::size_t choice) {
    out += prefix_;
    out += "\"index\":";
    out += std::to_string(choice);
    out += ',';
}

void StreamEncoder::close_chunk(std::string& out, std::string_view logprobs,
                                std::string_view finish_reason) {
    out += ",\"logprobs\":";
    out += logprobs;
    out += ",\"finish_reason\":";
    if (finish_reason.empty())
        out += "null";
    else
        append_json_string(out, finish_reason);
    out += '}';
    out += suffix_;
}

void StreamEncoder::text_chunk(std::string& out, std::size_t choice, std::string_view text) {
    open_chunk(out, choice);
    out += chat_ ? "\"delta\":{\"content\":" : "\"text\":";
    append_json_string(out, text);
    if (chat_) out += '}';
    close_chunk(out, "null", "");
}

void StreamEncoder::begin(std::string& out) {
    if (!chat_) return;
    for (std::size_t i = 0; i < held_.size(); ++i) {
        open_chunk(out, i);
        out += "\"delta\":{\"role\":\"assistant\",\"content\":\"\"}";
        close_chunk(out, "null", "");
    }
}

void StreamEncoder::content(std::string& out, std::size_t choice, std::string_view piece) {
    BRAID_ASSERT(choice < held_.size(), "stream choice index out of range");
    std::string& held = held_[choice];
    std::string joined;
    if (!held.empty()) {
        joined = std::move(held) + std::string(piece);
        held.clear();
        piece = joined;
    }
    std::size_t ready = complete_utf8_prefix(piece);
    if (ready < piece.size()) held.assign(piece.substr(ready));
    if (ready > 0) text_chunk(out, choice, piece.substr(0, ready));
}

void StreamEncoder::finish(std::string& out, std::size_t choice, const Completion& completion) {
    BRAID_ASSERT(choice < held_.size(), "stream choice index out of range");
    if (!held_[choice].empty()) {
        text_chunk(out, choice, held_[choice]);  // a truncated sequence: rendered as U+FFFD
        held_[choice].clear();
    }
    if (chat_) {
        for (std::size_t k = 0; k < completion.tool_calls.size(); ++k) {
            const ToolCall& call = completion.tool_calls[k];
            open_chunk(out, choice);
            out += "\"delta\":{\"tool_calls\":[{\"index\":" + std::to_string(k) + ",\"id\":";
            append_json_string(out, call.id);
            out += ",\"type\":\"function\",\"function\":{\"name\":";
            append_json_string(out, call.name);
            out += ",\"arguments\":";
            append_json_string(out, call.arguments);
            out += "}}]}";
            close_chunk(out, "null", "");
        }
    }
    open_chunk(out, choice);
    out += chat_ ? "\"delta\":{}" : "\"text\":\"\"";
    std::string logprobs = "null";
    if (logprobs_)
        logprobs = wire_json::dump(wire_json::logprobs_object(
            completion.logprobs, chat_ ? Endpoint::chat_completions : Endpoint::completions));
    // As vLLM: the last chunk names the stop string that ended the choice, or null.
    out += ",\"stop_reason\":";
    if (completion.stop_sequence.empty())
        out += "null";
    else
        append_json_string(out, completion.stop_sequence);
    close_chunk(out, logprobs,
                completion.finish_reason.empty() ? "stop" : completion.finish_reason);
}

void StreamEncoder::usage(std::string& out, const Usage& usage) {
    out += usage_prefix_;
    out += wire_json::dump(wire_json::usage_object(usage));
    out += "}\n\n";
}

void StreamEncoder::error(std::string& out, const ApiError& error) {
    out += "data: ";
    out += render_error(error);
    out += "\n\n";
}

void StreamEncoder::done(std::string& out) {
    out += "data: [DONE]\n\n";
}

}  // namespace braid::backends::openai_wire
