#include "backends/scripted/scripted_backend.hpp"

#include <optional>
#include <regex>

#include <nlohmann/json.hpp>

namespace braid::backends {

namespace {

const std::string& request_text(const CompletionRequest& request) {
    return request.messages.empty() ? request.prompt : request.messages.back().content;
}

Result<ErrorCode> parse_error_code(const std::string& name) {
    static const std::pair<const char*, ErrorCode> known[] = {
        {"backend", ErrorCode::backend}, {"timeout", ErrorCode::timeout},
        {"invalid_input", ErrorCode::invalid_input}, {"parse", ErrorCode::parse}};
    for (const auto& [n, code] : known)
        if (name == n) return code;
    return make_error(ErrorCode::invalid_input,
                      "scripted backend: unknown error kind '" + name + "' (backend, timeout, invalid_input, parse)");
}

Result<ScriptedReply> reply_from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) return make_error(ErrorCode::invalid_input, "scripted backend: " + where + " is not an object");
    ScriptedReply reply;
    if (j.contains("text")) {
        if (!j["text"].is_string())
            return make_error(ErrorCode::invalid_input, "scripted backend: " + where + ".text is not a string");
        reply.text = j["text"].get<std::string>();
    }
    if (j.contains("delay_ms")) {
        if (!j["delay_ms"].is_number() || j["delay_ms"].get<double>() < 0)
            return make_error(ErrorCode::invalid_input,
                              "scripted backend: " + where + ".delay_ms must be a non-negative number");
        reply.delay_per_chunk = std::chrono::microseconds(static_cast<std::int64_t>(j["delay_ms"].get<double>() * 1000));
    }
    if (j.contains("error")) {
        if (!j["error"].is_string())
            return make_error(ErrorCode::invalid_input, "scripted backend: " + where + ".error is not a string");
        auto code = parse_error_code(j["error"].get<std::string>());
        if (!code) return std::move(code).error();
        reply.failure = make_error(*code, "scripted failure", j.value("retryable", false));
    }
    return reply;
}

}  // namespace

std::unique_ptr<ScriptedBackend> ScriptedBackend::canned(std::vector<ScriptedReply> replies) {
    BRAID_ASSERT(!replies.empty(), "canned backend needs at least one reply");
    return std::make_unique<ScriptedBackend>(
        [replies = std::move(replies)](const CompletionRequest&, std::size_t index) {
            return replies[index % replies.size()];
        });
}

std::unique_ptr<ScriptedBackend> ScriptedBackend::instant(std::string text) {
    return std::make_unique<ScriptedBackend>(
        [text = std::move(text)](const CompletionRequest&, std::size_t) { return ScriptedReply{text, {}, {}}; });
}

Result<std::unique_ptr<ScriptedBackend>> ScriptedBackend::from_json(const nlohmann::json& script) {
    if (!script.is_object()) return make_error(ErrorCode::invalid_input, "scripted backend: script is not a JSON object");
    struct Rule {
        std::string match;
        std::optional<std::regex> origin;
        ScriptedReply reply;
    };
    std::vector<Rule> rules;
    if (script.contains("replies")) {
        const auto& replies = script["replies"];
        if (!replies.is_array())
            return make_error(ErrorCode::invalid_input, "scripted backend: replies is not an array");
        for (std::size_t i = 0; i < replies.size(); ++i) {
            std::string where = "replies[" + std::to_string(i) + "]";
            auto reply = reply_from_json(replies[i], where);
            if (!reply) return std::move(reply).error();
            const nlohmann::json& r = replies[i];
            if (!r.contains("match") && !r.contains("origin"))
                return make_error(ErrorCode::invalid_input, "scripted backend: " + where + " needs match or origin");
            if (r.contains("match") && !r["match"].is_string())
                return make_error(ErrorCode::invalid_input, "scripted backend: " + where + ".match must be a string");
            Rule rule{r.value("match", std::string()), std::nullopt, std::move(*reply)};
            if (r.contains("origin")) {
                if (!r["origin"].is_string())
                    return make_error(ErrorCode::invalid_input, "scripted backend: " + where + ".origin must be a string");
                try {
                    rule.origin.emplace(r["origin"].get<std::string>(), std::regex::ECMAScript);
                } catch (const std::regex_error& e) {
                    return make_error(ErrorCode::invalid_input,
                                      "scripted backend: " + where + ".origin is not a regex: " + e.what());
                }
            }
            rules.push_back(std::move(rule));
        }
    }
    ScriptedReply fallback;
    if (script.contains("default")) {
        auto reply = reply_from_json(script["default"], "default");
        if (!reply) return std::move(reply).error();
        fallback = std::move(*reply);
    } else if (rules.empty()) {
        return make_error(ErrorCode::invalid_input, "scripted backend: script has neither replies nor default");
    }
    return std::make_unique<ScriptedBackend>(
        [rules = std::move(rules), fallback = std::move(fallback)](const CompletionRequest& request, std::size_t) {
            const std::string& text = request_text(request);
            for (const Rule& rule : rules) {
                if (text.find(rule.match) == std::string::npos) continue;
                if (rule.origin && !std::regex_search(request.origin, *rule.origin)) continue;
                return rule.reply;
            }
            return fallback;
        });
}

asio::awaitable<Result<Completion>> ScriptedBackend::complete(CompletionRequest request, ChunkSink on_chunk) {
    std::size_t index = calls_.fetch_add(1);
    ScriptedReply reply = program_(request, index);
    if (reply.failure) co_return *reply.failure;
    StreamPacing pacing;
    pacing.delay_per_chunk = reply.delay_per_chunk;
    co_return co_await stream_text(request, std::move(reply.text), pacing, on_chunk);
}

}  // namespace braid::backends
