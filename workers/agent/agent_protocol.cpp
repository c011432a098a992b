#include "workers/agent/agent_protocol.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "workers/agent/agent.hpp"

namespace braid::workers::agent {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// One block's body as a call, or why it is not one.
Result<AgentToolCall> parse_call(std::string_view body) {
    body = trim(body);
    nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return make_error(ErrorCode::parse, "not valid JSON");
    if (!doc.is_object()) return make_error(ErrorCode::parse, "not a JSON object");
    auto name = doc.find("name");
    if (name == doc.end() || !name->is_string() || name->get<std::string>().empty())
        return make_error(ErrorCode::parse, "no \"name\" string");
    AgentToolCall call;
    call.name = name->get<std::string>();
    auto args = doc.find("arguments");
    if (args == doc.end() || args->is_null()) return call;
    nlohmann::json value = *args;
    if (value.is_string())  // some models send the arguments as a JSON string
        value = nlohmann::json::parse(value.get<std::string>(), nullptr, false);
    if (!value.is_object()) return make_error(ErrorCode::parse, "\"arguments\" is not a JSON object");
    call.arguments = std::move(value);
    return call;
}

}  // namespace

ParsedTurn parse_tool_calls(std::string_view text) {
    ParsedTurn out;
    std::size_t at = 0;
    for (int k = 0;; ++k) {
        std::size_t open = text.find(kCallOpen, at);
        if (open == std::string_view::npos) break;
        std::size_t body = open + kCallOpen.size();
        std::size_t close = text.find(kCallClose, body);
        // A block may not contain another opening tag: the first one was never closed.
        std::size_t next_open = text.find(kCallOpen, body);
        bool unterminated = close == std::string_view::npos || next_open < close;
        std::size_t end = unterminated ? std::min(next_open, text.size()) : close;
        Result<AgentToolCall> call = parse_call(text.substr(body, end - body));
        if (call)
            out.calls.push_back(std::move(*call));
        else
            out.errors.push_back("tool call " + std::to_string(k) + ": " + call.error().message +
                                 (unterminated ? " (no closing </tool_call>)" : ""));
        at = unterminated ? end : close + kCallClose.size();
    }
    return out;
}

std::string clip_middle(std::string_view text, std::size_t max_chars) {
    if (max_chars == 0 || text.size() <= max_chars) return std::string(text);
    std::size_t head = max_chars / 2;
    std::size_t tail = max_chars - head;
    return std::string(text.substr(0, head)) + "\n[... " + std::to_string(text.size() - head - tail) +
           " characters left out ...]\n" + std::string(text.substr(text.size() - tail));
}

std::string response_block(std::string_view name, bool ok, std::string_view content, std::size_t max_chars) {
    nlohmann::ordered_json body{{"name", name}, {"ok", ok}, {"content", clip_middle(content, max_chars)}};
    std::string json = body.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    return std::string(kResponseOpen) + "\n" + json + "\n" + std::string(kResponseClose) + "\n";
}

std::string call_label(const AgentToolCall& call) {
    constexpr std::size_t kLabelValueChars = 40;
    std::string args;
    for (const auto& [key, value] : call.arguments.items()) {
        std::string shown = value.is_string() ? value.get<std::string>() : json_text(value);
        if (shown.size() > kLabelValueChars) shown = shown.substr(0, kLabelValueChars) + "...";
        for (char& c : shown)
            if (c == '\n') c = ' ';
        args += (args.empty() ? "" : ", ") + key + "=" + shown;
    }
    return call.name + "(" + args + ")";
}

}  // namespace braid::workers::agent
