// Rendering of OpenAI response objects and error bodies (openai_codec.hpp).

#include <nlohmann/json.hpp>

#include "backends/server/openai_codec.hpp"

namespace braid::backends::server {

namespace {

using nlohmann::json;

// Never throws: invalid UTF-8 in backend text becomes U+FFFD.
std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json null_or(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is invalid or truncated.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = byte(i);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c == 0xe0)
        len = 3, lo = 0xa0;
    else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
        len = 3;
    else if (c == 0xed)
        len = 3, hi = 0x9f;
    else if (c == 0xf0)
        len = 4, lo = 0x90;
    else if (c >= 0xf1 && c <= 0xf3)
        len = 4;
    else if (c == 0xf4)
        len = 4, hi = 0x8f;
    else
        return 0;
    if (i + len > text.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < len; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
    return len;
}

json bytes_of(const std::string& token) {
    json bytes = json::array();
    for (char c : token) bytes.push_back(static_cast<unsigned char>(c));
    return bytes;
}

json tool_calls_json(const std::vector<ToolCall>& calls) {
    json out = json::array();
    for (const ToolCall& call : calls)
        out.push_back({{"id", call.id},
                       {"type", "function"},
                       {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
    return out;
}

json usage_object(const Usage& usage) {
    return {{"prompt_tokens", usage.prompt_tokens},
            {"completion_tokens", usage.completion_tokens},
            {"total_tokens", usage.total_tokens()},
            {"prompt_tokens_details", {{"cached_tokens", usage.cached_prompt_tokens}}}};
}

json chat_logprobs_object(const std::vector<TokenLogprob>& logprobs) {
    if (logprobs.empty()) return nullptr;
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
    if (logprobs.empty()) return nullptr;
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

std::string render_error(const ApiError& error) {
    json body = {{"error",
                  {{"message", error.message},
                   {"type", error.type},
                   {"param", null_or(error.param)},
                   {"code", null_or(error.code)}}}};
    return dump(body);
}

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

std::string usage_json(const Usage& usage) {
    return dump(usage_object(usage));
}

std::string chat_logprobs_json(const std::vector<TokenLogprob>& logprobs) {
    return dump(chat_logprobs_object(logprobs));
}

std::string text_logprobs_json(const std::vector<TokenLogprob>& logprobs) {
    return dump(text_logprobs_object(logprobs));
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
            if (!c.tool_calls.empty()) message["tool_calls"] = tool_calls_json(c.tool_calls);
            choice = {{"index", i}, {"message", message}};
            choice["logprobs"] =
                request.logprobs ? chat_logprobs_object(c.logprobs) : json(nullptr);
        } else {
            choice = {{"text", c.text}, {"index", i}};
            choice["logprobs"] =
                request.logprobs ? text_logprobs_object(c.logprobs) : json(nullptr);
        }
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

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    static constexpr std::string_view replacement = "\xef\xbf\xbd";  // U+FFFD
    out.push_back('"');
    std::size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            std::size_t len = utf8_sequence_length(text, i);
            if (len == 0) {
                out += replacement;
                ++i;
            } else {
                out.append(text.substr(i, len));
                i += len;
            }
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 0xf]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
        ++i;
    }
    out.push_back('"');
}

std::size_t complete_utf8_prefix(std::string_view text) {
    // Walk back over at most three continuation bytes to the lead byte of the last sequence.
    std::size_t n = text.size();
    for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
        auto c = static_cast<unsigned char>(text[n - back]);
        if ((c & 0xc0) == 0x80) continue;  // continuation byte
        std::size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        return need > back && c < 0xf8 ? n - back : n;
    }
    return n;
}

}  // namespace braid::backends::server
