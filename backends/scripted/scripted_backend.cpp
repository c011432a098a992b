#include "backends/scripted/scripted_backend.hpp"

#include <algorithm>
#include <cctype>
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
    if (j.contains("logprob")) {
        if (!j["logprob"].is_number())
            return make_error(ErrorCode::invalid_input, "scripted backend: " + where + ".logprob is not a number");
        reply.logprob = j["logprob"].get<double>();
    }
    if (j.contains("top_logprobs")) {
        const nlohmann::json& top = j["top_logprobs"];
        if (!top.is_object())
            return make_error(ErrorCode::invalid_input,
                              "scripted backend: " + where + ".top_logprobs is not an object of token: logprob");
        for (const auto& [token, value] : top.items()) {
            if (!value.is_number())
                return make_error(ErrorCode::invalid_input, "scripted backend: " + where + ".top_logprobs[\"" +
                                                                token + "\"] is not a number");
            reply.top_logprobs.emplace_back(token, value.get<double>());
        }
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

// The pieces estimate_tokens counts (runs of letters, runs of digits, single other characters),
// each with the spaces before it; trailing spaces go to the last piece.
std::vector<std::string> token_pieces(std::string_view text) {
    std::vector<std::string> pieces;
    std::size_t start = 0, i = 0;
    while (i < text.size()) {
        if (std::isspace(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        i = estimated_token_end(text, i);
        pieces.emplace_back(text.substr(start, i - start));
        start = i;
    }
    if (!pieces.empty()) pieces.back().append(text.substr(start));
    return pieces;
}

std::vector<TokenLogprob> scripted_logprobs(const ScriptedReply& reply, std::string_view text, int top_logprobs) {
    std::vector<TokenLogprob> out;
    for (std::string& piece : token_pieces(text))
        out.push_back(TokenLogprob{std::move(piece), reply.logprob.value_or(0.0), {}});
    if (out.empty()) return out;
    TokenLogprob& first = out.front();
    std::string_view word = first.token;
    while (!word.empty() && std::isspace(static_cast<unsigned char>(word.front()))) word.remove_prefix(1);
    // The chosen token's own entry among the alternatives: spelled exactly, else without spaces.
    auto same = [&](std::string_view spelled) {
        return std::find_if(reply.top_logprobs.begin(), reply.top_logprobs.end(),
                            [&](const auto& alt) { return alt.first == spelled; });
    };
    auto own = same(first.token);
    if (own == reply.top_logprobs.end()) own = same(word);
    if (own != reply.top_logprobs.end()) first.logprob = own->second;
    first.top = reply.top_logprobs;
    std::stable_sort(first.top.begin(), first.top.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    first.top.resize(std::min(first.top.size(), static_cast<std::size_t>(std::max(0, top_logprobs))));
    return out;
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
    Result<Completion> out = co_await stream_text(request, std::move(reply.text), pacing, on_chunk);
    if (out && reply.has_logprobs() && request.sampling.top_logprobs >= 0)
        out->logprobs = scripted_logprobs(reply, out->text, request.sampling.top_logprobs);
    co_return out;
}

}  // namespace braid::backends
