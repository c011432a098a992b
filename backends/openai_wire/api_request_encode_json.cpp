// Encoding request bodies for /chat/completions and /completions (ecosystem.md §1.1, §1.5).

#include <array>
#include <cctype>
#include <limits>

#include "backends/openai_wire/api_request.hpp"
#include "backends/openai_wire/wire_json.hpp"

namespace braid::backends::openai_wire {

namespace {

using nlohmann::json;

// Fields braid owns: extra_json may not override them.
constexpr std::array<std::string_view, 6> protected_fields{"model", "messages", "prompt",
                                                           "n",     "stream",   "stream_options"};

Error invalid(std::string what) {
    return make_error(ErrorCode::invalid_input, "OpenAI request: " + std::move(what));
}

// tool_choice: JSON ("auto", {"type":"function",...}) or, leniently, a bare word like auto.
Result<json> parse_tool_choice(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_discarded()) return j;
    for (char c : text)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
            return invalid("tool_choice_json is neither JSON nor a bare word");
    return json(text);
}

// One chat message on the wire. An assistant turn with tool calls and no text sends
// `content: null`, as the API expects.
json message_json(const Message& m) {
    json jm = {{"role", std::string(to_string(m.role))}};
    if (m.content.empty() && !m.tool_calls.empty())
        jm["content"] = nullptr;
    else
        jm["content"] = m.content;
    if (!m.tool_calls.empty()) jm["tool_calls"] = wire_json::tool_calls_array(m.tool_calls);
    if (!m.tool_call_id.empty()) jm["tool_call_id"] = m.tool_call_id;
    return jm;
}

}  // namespace

Result<std::string> request_json(const CompletionRequest& request, const WireOptions& options) {
    const bool chat = endpoint_for(request) == Endpoint::chat_completions;
    const SamplingParams& s = request.sampling;
    json j;
    j["model"] = options.model;
    if (chat) {
        json messages = json::array();
        for (const Message& m : request.messages) messages.push_back(message_json(m));
        j["messages"] = std::move(messages);
    } else {
        j["prompt"] = request.prompt;
    }
    if (s.max_tokens > 0) j["max_tokens"] = s.max_tokens;
    j["temperature"] = s.temperature;
    j["top_p"] = s.top_p;
    j["seed"] = static_cast<std::int64_t>(
        s.seed & static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
    if (!s.stop.empty()) j["stop"] = s.stop;
    if (options.n != 1) j["n"] = options.n;
    j["stream"] = options.stream;
    if (options.stream) j["stream_options"] = {{"include_usage", true}};
    if (s.top_logprobs >= 0) {
        if (chat) {
            j["logprobs"] = true;
            // 0 = the chosen tokens' logprobs only: said by leaving top_logprobs out, which
            // every OpenAI-compatible server reads that way.
            if (s.top_logprobs > 0) j["top_logprobs"] = s.top_logprobs;
        } else {
            j["logprobs"] = s.top_logprobs;  // legacy: an int, the number of alternatives
        }
    }
    if (!request.tools_json.empty()) {
        if (!chat) return invalid("tools need a chat request (messages), not a prompt");
        json tools = json::parse(request.tools_json, nullptr, false);
        if (!tools.is_array()) return invalid("tools_json is not a JSON array");
        j["tools"] = std::move(tools);
        j["parallel_tool_calls"] = request.parallel_tool_calls;
    }
    if (!request.tool_choice_json.empty()) {
        if (!chat) return invalid("tool_choice needs a chat request (messages), not a prompt");
        auto choice = parse_tool_choice(request.tool_choice_json);
        if (!choice) return std::move(choice).error();
        j["tool_choice"] = std::move(*choice);
    }
    if (!request.extra_json.empty()) {
        json extra = json::parse(request.extra_json, nullptr, false);
        if (!extra.is_object()) return invalid("extra_json is not a JSON object");
        for (auto& [key, value] : extra.items()) {
            bool owned = false;
            for (std::string_view p : protected_fields) owned = owned || key == p;
            if (!owned) j[key] = value;
        }
    }
    return wire_json::dump(j);
}

}  // namespace braid::backends::openai_wire
