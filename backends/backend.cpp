#include "backends/backend.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include "core/hash.hpp"
#include "core/json_text.hpp"

namespace braid::backends {

std::string CompletionRequest::canonical_json() const {
    // nlohmann::json objects keep keys sorted, so the dump is canonical.
    nlohmann::json j;
    j["model"] = model;
    if (messages.empty()) {
        j["prompt"] = prompt;
    } else {
        nlohmann::json msgs = nlohmann::json::array();
        for (const Message& m : messages) {
            nlohmann::json jm = {{"role", to_string(m.role)}, {"content", m.content}};
            // Only when set, so the keys of plain conversations stay what they were.
            if (!m.tool_calls.empty()) {
                nlohmann::json calls = nlohmann::json::array();
                for (const ToolCall& c : m.tool_calls)
                    calls.push_back({{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
                jm["tool_calls"] = std::move(calls);
            }
            if (!m.tool_call_id.empty()) jm["tool_call_id"] = m.tool_call_id;
            msgs.push_back(std::move(jm));
        }
        j["messages"] = std::move(msgs);
    }
    j["max_tokens"] = sampling.max_tokens;
    j["temperature"] = sampling.temperature;
    j["top_p"] = sampling.top_p;
    j["seed"] = sampling.seed;
    j["stop"] = sampling.stop;
    if (sampling.top_logprobs >= 0) j["top_logprobs"] = sampling.top_logprobs;
    // Tool and pass-through fields enter the key only when set, so keys of plain requests are
    // unchanged by their existence.
    if (layout) j["layout"] = {{"prefix_chars", layout->prefix_chars}, {"path_chars", layout->path_chars}};
    if (!tools_json.empty()) j["tools"] = nlohmann::json::parse(tools_json, nullptr, false);
    if (!tool_choice_json.empty()) j["tool_choice"] = nlohmann::json::parse(tool_choice_json, nullptr, false);
    if (!tools_json.empty()) j["parallel_tool_calls"] = parallel_tool_calls;
    if (!extra_json.empty()) j["extra"] = nlohmann::json::parse(extra_json, nullptr, false);
    return json_text(j);
}

std::string CompletionRequest::key() const { return content_hash(canonical_json()); }

std::size_t estimated_token_end(std::string_view text, std::size_t start) {
    auto is_alpha = [](unsigned char c) { return std::isalpha(c) != 0 || c >= 0x80; };
    auto is_digit = [](unsigned char c) { return std::isdigit(c) != 0; };
    std::size_t i = start;
    auto c = static_cast<unsigned char>(text[i]);
    if (is_alpha(c)) {
        while (i < text.size() && is_alpha(static_cast<unsigned char>(text[i]))) ++i;
    } else if (is_digit(c)) {
        while (i < text.size() && is_digit(static_cast<unsigned char>(text[i]))) ++i;
    } else {
        ++i;
    }
    return i;
}

std::int64_t estimate_tokens(std::string_view text) {
    std::int64_t count = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        ++count;
        i = estimated_token_end(text, i);
    }
    return count;
}

}  // namespace braid::backends
