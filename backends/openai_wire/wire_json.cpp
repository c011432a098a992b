// The shared JSON shapes (ecosystem.md §1.2–§1.4): usage, logprobs, tool calls, error objects.
#include "backends/openai_wire/wire_json.hpp"

#include "core/json_text.hpp"
#include "core/utf8.hpp"

#include <algorithm>

namespace braid::backends::openai_wire::wire_json {

using nlohmann::json;

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

json bytes_of(const std::string& token) {
    json bytes = json::array();
    for (char c : token) bytes.push_back(static_cast<unsigned char>(c));
    return bytes;
}

std::vector<TokenLogprob> parse_chat_logprobs(const json& lp) {
    std::vector<TokenLogprob> out;
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

std::vector<TokenLogprob> parse_text_logprobs(const json& lp) {
    std::vector<TokenLogprob> out;
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

json chat_logprobs_object(const std::vector<TokenLogprob>& logprobs) {
    json content = json::array();
    for (const TokenLogprob& t : logprobs) {
        json top = json::array();
        for (const auto& [token, lp] : t.top)
            top.push_back({{"token", token}, {"logprob", lp}, {"bytes", bytes_of(token)}});
        content.push_back({{"token", t.token},
                           {"logprob", t.logprob},
                           {"bytes", bytes_of(t.token)},
                           {"top_logprobs", top}});
    }
    return json{{"content", content}, {"refusal", nullptr}};
}

json text_logprobs_object(const std::vector<TokenLogprob>& logprobs) {
    json tokens = json::array(), token_logprobs = json::array(), top = json::array(),
         offsets = json::array();
    std::size_t offset = 0;
    for (const TokenLogprob& t : logprobs) {
        tokens.push_back(t.token);
        token_logprobs.push_back(t.logprob);
        json alternatives = json::object();
        for (const auto& [token, lp] : t.top) alternatives[token] = lp;
        top.push_back(alternatives);
        offsets.push_back(offset);
        offset += t.token.size();
    }
    return json{{"tokens", tokens},
                {"token_logprobs", token_logprobs},
                {"top_logprobs", top},
                {"text_offset", offsets}};
}

}  // namespace

std::string dump(const json& j) {
    return json_text(j);
}

std::string string_at(const json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string stop_sequence_at(const json& choice) {
    std::string stop = string_at(choice, "stop_reason");
    return stop.empty() ? string_at(choice, "matched_stop") : stop;
}

Usage parse_usage(const json& usage) {
    Usage u;
    u.prompt_tokens = int_at(usage, "prompt_tokens");
    u.completion_tokens = int_at(usage, "completion_tokens");
    if (usage.is_object() && usage.contains("prompt_tokens_details"))
        u.cached_prompt_tokens = int_at(usage["prompt_tokens_details"], "cached_tokens");
    return u;
}

json usage_object(const Usage& usage) {
    return {{"prompt_tokens", usage.prompt_tokens},
            {"completion_tokens", usage.completion_tokens},
            {"total_tokens", usage.total_tokens()},
            {"prompt_tokens_details", {{"cached_tokens", usage.cached_prompt_tokens}}}};
}

std::vector<TokenLogprob> parse_logprobs(const json& logprobs, Endpoint endpoint) {
    if (!logprobs.is_object()) return {};
    return endpoint == Endpoint::chat_completions ? parse_chat_logprobs(logprobs)
                                                  : parse_text_logprobs(logprobs);
}

json logprobs_object(const std::vector<TokenLogprob>& logprobs, Endpoint endpoint) {
    if (logprobs.empty()) return nullptr;
    return endpoint == Endpoint::chat_completions ? chat_logprobs_object(logprobs)
                                                  : text_logprobs_object(logprobs);
}

json tool_calls_array(const std::vector<ToolCall>& calls) {
    json out = json::array();
    for (const ToolCall& call : calls)
        out.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    return out;
}

std::string arguments_text(const json& arguments) {
    if (arguments.is_string()) return arguments.get<std::string>();
    if (arguments.is_null()) return {};
    return json_text(arguments);
}

ApiError parse_error_value(const json& error) {
    ApiError info;
    info.status = 0;
    info.type.clear();
    if (error.is_string()) {
        info.message = error.get<std::string>();
        return info;
    }
    if (!error.is_object()) return info;
    info.message = string_at(error, "message");
    info.type = string_at(error, "type");
    info.param = string_at(error, "param");
    auto code = error.find("code");
    if (code != error.end()) {
        if (code->is_string()) info.code = code->get<std::string>();
        if (code->is_number_integer()) info.code = std::to_string(code->get<std::int64_t>());
    }
    return info;
}

std::string excerpt(std::string_view body) {
    constexpr std::size_t max_excerpt = 200;
    return repair_utf8(body.substr(0, max_excerpt)) + (body.size() > max_excerpt ? "..." : "");
}

nlohmann::json parse_lenient(std::string_view text) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() && !is_valid_utf8(text))
        j = nlohmann::json::parse(repair_utf8(text), nullptr, false);
    return j;
}

}  // namespace braid::backends::openai_wire::wire_json
