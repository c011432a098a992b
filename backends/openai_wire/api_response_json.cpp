// Non-streamed responses both ways (ecosystem.md §1.2).
#include <algorithm>

#include "backends/openai_wire/api_response.hpp"
#include "backends/openai_wire/wire_json.hpp"

namespace braid::backends::openai_wire {

namespace {

using nlohmann::json;
using namespace wire_json;

Completion parse_choice(const json& choice, Endpoint endpoint) {
    Completion c;
    c.finish_reason = string_at(choice, "finish_reason");
    c.stop_sequence = stop_sequence_at(choice);
    if (endpoint == Endpoint::chat_completions) {
        const json empty = json::object();
        const json& message = choice.contains("message") ? choice["message"] : empty;
        c.text = string_at(message, "content");
        if (message.contains("tool_calls") && message["tool_calls"].is_array()) {
            for (const json& tc : message["tool_calls"]) {
                ToolCall call{string_at(tc, "id"), {}, {}};
                if (tc.contains("function") && tc["function"].is_object()) {
                    call.name = string_at(tc["function"], "name");
                    if (tc["function"].contains("arguments"))
                        call.arguments = arguments_text(tc["function"]["arguments"]);
                }
                c.tool_calls.push_back(std::move(call));
            }
        }
    } else {
        c.text = string_at(choice, "text");
    }
    if (choice.contains("logprobs")) c.logprobs = parse_logprobs(choice["logprobs"], endpoint);
    return c;
}

}  // namespace

Usage response_usage(const ApiRequest& request, const std::vector<Completion>& choices) {
    Usage total;
    auto per_prompt = static_cast<std::size_t>(request.n);
    for (std::size_t i = 0; i < choices.size(); ++i) {
        total.completion_tokens += choices[i].usage.completion_tokens;
        if (i % per_prompt == 0) {
            total.prompt_tokens += choices[i].usage.prompt_tokens;
            total.cached_prompt_tokens += choices[i].usage.cached_prompt_tokens;
        }
    }
    return total;
}

std::string render_response(const ApiRequest& request, const ResponseMeta& meta,
                            const std::vector<Completion>& choices) {
    bool chat = request.endpoint == Endpoint::chat_completions;
    json out_choices = json::array();
    for (std::size_t i = 0; i < choices.size(); ++i) {
        const Completion& c = choices[i];
        json choice;
        if (chat) {
            json message = {
                {"role", "assistant"},
                {"content", c.text.empty() && !c.tool_calls.empty() ? json(nullptr) : json(c.text)},
                {"refusal", nullptr}};
            if (!c.tool_calls.empty()) message["tool_calls"] = tool_calls_array(c.tool_calls);
            choice = {{"index", i}, {"message", message}};
        } else {
            choice = {{"text", c.text}, {"index", i}};
        }
        choice["logprobs"] =
            request.logprobs ? logprobs_object(c.logprobs, request.endpoint) : json(nullptr);
        choice["finish_reason"] = c.finish_reason;
        // As vLLM: the stop string that ended the choice, or null.
        choice["stop_reason"] = c.stop_sequence.empty() ? json(nullptr) : json(c.stop_sequence);
        out_choices.push_back(std::move(choice));
    }
    json body = {{"id", meta.id},
                 {"object", chat ? "chat.completion" : "text_completion"},
                 {"created", meta.created},
                 {"model", meta.model},
                 {"choices", std::move(out_choices)},
                 {"usage", usage_object(response_usage(request, choices))}};
    return dump(body);
}

Result<ParsedResponse> parse_response(std::string_view body, Endpoint endpoint) {
    json j = wire_json::parse_lenient(body);
    if (j.is_discarded() || !j.is_object())
        return make_error(ErrorCode::parse, "response is not a JSON object: " + excerpt(body),
                          true);
    if (j.contains("error") && !j["error"].is_null()) {
        ApiError error = parse_error_value(j["error"]);
        return make_error(ErrorCode::backend, "server error in response: " + describe(error),
                          stream_error_retryable(error));
    }
    if (!j.contains("choices") || !j["choices"].is_array())
        return make_error(ErrorCode::parse, "response has no choices array: " + excerpt(body),
                          true);
    std::vector<std::pair<std::int64_t, Completion>> indexed;
    for (const json& choice : j["choices"]) {
        std::int64_t index =
            choice.is_object() && choice.contains("index") && choice["index"].is_number_integer()
                ? choice["index"].get<std::int64_t>()
                : static_cast<std::int64_t>(indexed.size());
        indexed.emplace_back(index, parse_choice(choice, endpoint));
    }
    std::stable_sort(indexed.begin(), indexed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    ParsedResponse out;
    for (auto& [index, c] : indexed) out.choices.push_back(std::move(c));
    if (j.contains("usage") && j["usage"].is_object()) out.usage = parse_usage(j["usage"]);
    return out;
}

}  // namespace braid::backends::openai_wire
