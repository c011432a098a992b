// Non-streaming responses and error bodies (ecosystem.md §1.2, §1.4, §1.5).
#include <algorithm>

#include "backends/openai/openai_json.hpp"
#include "backends/openai/openai_wire.hpp"

namespace braid::backends::openai {

namespace json_detail {

using nlohmann::json;

std::string string_at(const json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string stop_sequence_at(const json& choice) {
    std::string stop = string_at(choice, "stop_reason");
    return stop.empty() ? string_at(choice, "matched_stop") : stop;
}

namespace {
std::int64_t int_at(const json& j, const char* key) {
    if (!j.is_object()) return 0;
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}
double number_at(const json& j, const char* key) {
    if (!j.is_object()) return 0;
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : 0;
}
}  // namespace

Usage parse_usage(const json& usage) {
    Usage u;
    u.prompt_tokens = int_at(usage, "prompt_tokens");
    u.completion_tokens = int_at(usage, "completion_tokens");
    if (usage.is_object() && usage.contains("prompt_tokens_details"))
        u.cached_prompt_tokens = int_at(usage["prompt_tokens_details"], "cached_tokens");
    return u;
}

std::vector<TokenLogprob> parse_logprobs(const json& lp, ApiMode mode) {
    std::vector<TokenLogprob> out;
    if (!lp.is_object()) return out;
    if (mode == ApiMode::chat) {
        auto content = lp.find("content");
        if (content == lp.end() || !content->is_array()) return out;
        for (const json& t : *content) {
            TokenLogprob tl{string_at(t, "token"), number_at(t, "logprob"), {}};
            if (t.contains("top_logprobs") && t["top_logprobs"].is_array())
                for (const json& alt : t["top_logprobs"])
                    tl.top.emplace_back(string_at(alt, "token"), number_at(alt, "logprob"));
            out.push_back(std::move(tl));
        }
        return out;
    }
    auto tokens = lp.find("tokens");
    auto values = lp.find("token_logprobs");
    auto tops = lp.find("top_logprobs");
    if (tokens == lp.end() || !tokens->is_array()) return out;
    for (std::size_t i = 0; i < tokens->size(); ++i) {
        TokenLogprob tl;
        if ((*tokens)[i].is_string()) tl.token = (*tokens)[i].get<std::string>();
        if (values != lp.end() && values->is_array() && i < values->size() &&
            (*values)[i].is_number())
            tl.logprob = (*values)[i].get<double>();
        if (tops != lp.end() && tops->is_array() && i < tops->size() && (*tops)[i].is_object()) {
            for (auto& [tok, v] : (*tops)[i].items())
                if (v.is_number()) tl.top.emplace_back(tok, v.get<double>());
            std::stable_sort(tl.top.begin(), tl.top.end(),
                             [](const auto& a, const auto& b) { return a.second > b.second; });
        }
        out.push_back(std::move(tl));
    }
    return out;
}

ApiErrorInfo parse_error_value(const json& error) {
    ApiErrorInfo info;
    if (error.is_string()) {
        info.message = error.get<std::string>();
        return info;
    }
    if (!error.is_object()) return info;
    info.message = string_at(error, "message");
    info.type = string_at(error, "type");
    auto code = error.find("code");
    if (code != error.end()) {
        if (code->is_string()) info.code = code->get<std::string>();
        if (code->is_number_integer()) info.code = std::to_string(code->get<std::int64_t>());
    }
    return info;
}

std::string arguments_text(const json& arguments) {
    if (arguments.is_string()) return arguments.get<std::string>();
    if (arguments.is_null()) return {};
    return arguments.dump();
}

}  // namespace json_detail

namespace {

using nlohmann::json;
using namespace json_detail;

Completion parse_choice(const json& choice, ApiMode mode) {
    Completion c;
    c.finish_reason = string_at(choice, "finish_reason");
    c.stop_sequence = stop_sequence_at(choice);
    if (mode == ApiMode::chat) {
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
    if (choice.contains("logprobs")) c.logprobs = parse_logprobs(choice["logprobs"], mode);
    return c;
}

std::string excerpt(std::string_view body) {
    constexpr std::size_t max_excerpt = 200;
    return std::string(body.substr(0, max_excerpt)) + (body.size() > max_excerpt ? "..." : "");
}

}  // namespace

Result<ParsedResponse> parse_response(std::string_view body, ApiMode mode) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return make_error(ErrorCode::parse, "response is not a JSON object: " + excerpt(body),
                          true);
    if (j.contains("error") && !j["error"].is_null()) {
        ApiErrorInfo info = parse_error_value(j["error"]);
        return make_error(ErrorCode::backend, "server error in response: " + describe(info),
                          stream_error_retryable(info));
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
        indexed.emplace_back(index, parse_choice(choice, mode));
    }
    std::stable_sort(indexed.begin(), indexed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    ParsedResponse out;
    for (auto& [index, c] : indexed) out.choices.push_back(std::move(c));
    if (j.contains("usage") && j["usage"].is_object()) out.usage = parse_usage(j["usage"]);
    return out;
}

ApiErrorInfo parse_error_body(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_object()) {
        if (j.contains("error")) return parse_error_value(j["error"]);
        if (j.contains("detail"))
            return ApiErrorInfo{
                j["detail"].is_string() ? j["detail"].get<std::string>() : j["detail"].dump(),
                {},
                {}};
        if (j.contains("message"))
            return ApiErrorInfo{string_at(j, "message"), string_at(j, "type"), {}};
    }
    return ApiErrorInfo{excerpt(body), {}, {}};
}

bool stream_error_retryable(const ApiErrorInfo& info) {
    if (!info.code.empty() && std::all_of(info.code.begin(), info.code.end(),
                                          [](char c) { return c >= '0' && c <= '9'; })) {
        long status = std::strtol(info.code.c_str(), nullptr, 10);
        if (status >= 400 && status < 500) return status == 408 || status == 409 || status == 429;
        return true;
    }
    static constexpr std::string_view client_errors[] = {
        "invalid_request", "authentication", "permission", "not_found",
        "invalid_api_key", "context_length", "unsupported"};
    for (std::string_view bad : client_errors)
        if (info.type.find(bad) != std::string::npos || info.code.find(bad) != std::string::npos)
            return false;
    return true;
}

std::string describe(const ApiErrorInfo& info) {
    constexpr std::size_t max_message = 500;
    std::string kind = info.type;
    if (!info.code.empty()) kind += (kind.empty() ? "" : "/") + info.code;
    std::string message = info.message.substr(0, max_message);
    if (message.empty()) message = "(no message)";
    return kind.empty() ? message : kind + ": " + message;
}

}  // namespace braid::backends::openai
