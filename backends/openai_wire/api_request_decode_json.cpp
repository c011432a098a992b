// Decoding of OpenAI request bodies (api_request.hpp). Every rejection names the parameter and
// says what was expected; fields braid does not interpret are kept in extra_json.

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "backends/openai_wire/api_request.hpp"
#include "core/json_text.hpp"

namespace braid::backends::openai_wire {

namespace {

using nlohmann::json;

constexpr std::int64_t default_completions_max_tokens = 16;  // OpenAI's and vLLM's default
constexpr std::size_t max_stop_sequences = 4;
constexpr std::int64_t max_top_logprobs_chat = 20;
constexpr std::int64_t max_logprobs_completions = 5;
constexpr double max_temperature = 2.0;

ApiError bad(std::string message, std::string param = "") {
    ApiError e;
    e.message = std::move(message);
    e.param = std::move(param);
    return e;
}

std::string type_name(const json& v) {
    switch (v.type()) {
        case json::value_t::null:
            return "null";
        case json::value_t::boolean:
            return "a boolean";
        case json::value_t::string:
            return "a string";
        case json::value_t::array:
            return "an array";
        case json::value_t::object:
            return "an object";
        case json::value_t::number_float:
            return "a decimal";
        default:
            return "an integer";
    }
}

ApiError wrong_type(const std::string& param, const char* expected, const json& got) {
    return bad("Invalid type for '" + param + "': expected " + expected + ", but got " +
                   type_name(got) + " instead.",
               param);
}

// Deepest nesting of arrays/objects in `body`, counted without parsing (strings are skipped).
std::size_t json_depth(std::string_view body) {
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : body) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

// Integer-valued numbers only (1 and 1.0 are accepted; 1.5 is not).
std::optional<ApiError> read_int(const json& v, const std::string& param, std::int64_t lo,
                                 std::int64_t hi, std::int64_t& out) {
    double d = 0;
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
            return bad("Invalid '" + param + "': must be at most " + std::to_string(hi) + ".",
                       param);
        out = v.get<std::int64_t>();
    } else if (v.is_number_float() && std::isfinite(d = v.get<double>()) && d == std::floor(d) &&
               std::fabs(d) < 9.0e15) {
        out = static_cast<std::int64_t>(d);
    } else {
        return wrong_type(param, "an integer", v);
    }
    if (out < lo)
        return bad("Invalid '" + param + "': must be at least " + std::to_string(lo) + ".", param);
    if (out > hi)
        return bad("Invalid '" + param + "': must be at most " + std::to_string(hi) + ".", param);
    return std::nullopt;
}

std::optional<ApiError> read_number(const json& v, const std::string& param, double lo, double hi,
                                    double& out) {
    if (!v.is_number()) return wrong_type(param, "a decimal", v);
    out = v.get<double>();
    if (!(out >= lo && out <= hi))
        return bad("Invalid '" + param + "': must be between " + json_text(json(lo)) + " and " +
                       json_text(json(hi)) + ".",
                   param);
    return std::nullopt;
}

std::optional<ApiError> read_bool(const json& v, const std::string& param, bool& out) {
    if (!v.is_boolean()) return wrong_type(param, "a boolean", v);
    out = v.get<bool>();
    return std::nullopt;
}

std::optional<ApiError> read_role(const json& v, const std::string& param, Role& out) {
    if (!v.is_string()) return wrong_type(param, "a string", v);
    const std::string& s = v.get_ref<const std::string&>();
    if (s == "developer") {
        out = Role::system;
        return std::nullopt;
    }
    if (parse_role(s, out)) return std::nullopt;
    return bad(
        "Invalid value: '" + s +
            "'. Supported values are: 'system', 'developer', 'user', 'assistant' and 'tool'.",
        param);
}

// content: a string, null (assistant turns carrying tool calls) or an array of text parts.
std::optional<ApiError> read_content(const json& m, Role role, const std::string& param,
                                     std::string& out) {
    auto it = m.find("content");
    if (it == m.end() || it->is_null()) {
        if (role == Role::assistant) return std::nullopt;
        return bad("Missing required parameter: '" + param + "'.", param);
    }
    if (it->is_string()) {
        out = it->get<std::string>();
        return std::nullopt;
    }
    if (!it->is_array()) return wrong_type(param, "a string or an array of content parts", *it);
    for (std::size_t k = 0; k < it->size(); ++k) {
        const json& part = (*it)[k];
        std::string where = param + "[" + std::to_string(k) + "]";
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
            !part["text"].is_string())
            return bad("Invalid content part '" + where +
                           "': braid serve accepts only {\"type\":\"text\",\"text\":...} parts.",
                       where);
        if (k > 0) out += '\n';
        out += part["text"].get_ref<const std::string&>();
    }
    return std::nullopt;
}

// A required string member `key` of object `o`, reported as `param`.
std::optional<ApiError> read_required_string(const json& o, const char* key,
                                             const std::string& param, std::string& out) {
    auto it = o.find(key);
    if (it == o.end() || it->is_null())
        return bad("Missing required parameter: '" + param + "'.", param);
    if (!it->is_string()) return wrong_type(param, "a string", *it);
    out = it->get<std::string>();
    return std::nullopt;
}

// An assistant turn's tool_calls: [{id, type: "function", function: {name, arguments}}].
std::optional<ApiError> read_tool_calls(const json& v, const std::string& param,
                                        std::vector<ToolCall>& out) {
    if (!v.is_array()) return wrong_type(param, "an array", v);
    for (std::size_t k = 0; k < v.size(); ++k) {
        const json& call = v[k];
        std::string where = param + "[" + std::to_string(k) + "]";
        if (!call.is_object()) return wrong_type(where, "an object", call);
        auto type = call.find("type");
        if (type != call.end() && *type != "function")
            return bad("Invalid value for '" + where + ".type': expected 'function'.",
                       where + ".type");
        ToolCall tc;
        if (auto e = read_required_string(call, "id", where + ".id", tc.id)) return e;
        auto fn = call.find("function");
        if (fn == call.end() || !fn->is_object())
            return bad("Missing required parameter: '" + where + ".function'.",
                       where + ".function");
        if (auto e = read_required_string(*fn, "name", where + ".function.name", tc.name)) return e;
        if (auto e =
                read_required_string(*fn, "arguments", where + ".function.arguments", tc.arguments))
            return e;
        out.push_back(std::move(tc));
    }
    return std::nullopt;
}

std::optional<ApiError> read_messages(const json& v, std::vector<Message>& out) {
    if (!v.is_array()) return wrong_type("messages", "an array", v);
    if (v.empty())
        return bad("Invalid 'messages': empty array. Expected an array with minimum length 1.",
                   "messages");
    for (std::size_t i = 0; i < v.size(); ++i) {
        const json& m = v[i];
        std::string param = "messages[" + std::to_string(i) + "]";
        if (!m.is_object()) return wrong_type(param, "an object", m);
        if (!m.contains("role"))
            return bad("Missing required parameter: '" + param + ".role'.", param + ".role");
        Message msg;
        if (auto e = read_role(m["role"], param + ".role", msg.role)) return e;
        if (auto e = read_content(m, msg.role, param + ".content", msg.content)) return e;
        auto calls = m.find("tool_calls");
        if (calls != m.end() && !calls->is_null()) {
            if (msg.role != Role::assistant)
                return bad("Invalid parameter: '" + param +
                               ".tool_calls' is only allowed on assistant messages.",
                           param + ".tool_calls");
            if (auto e = read_tool_calls(*calls, param + ".tool_calls", msg.tool_calls)) return e;
        }
        if (msg.role == Role::tool)
            if (auto e = read_required_string(m, "tool_call_id", param + ".tool_call_id",
                                              msg.tool_call_id))
                return e;
        out.push_back(std::move(msg));
    }
    return std::nullopt;
}

std::optional<ApiError> read_prompt(const json& v, std::vector<std::string>& out) {
    if (v.is_string()) {
        out.push_back(v.get<std::string>());
        return std::nullopt;
    }
    if (!v.is_array()) return wrong_type("prompt", "a string or an array of strings", v);
    if (v.empty()) return bad("Invalid 'prompt': empty array.", "prompt");
    for (const json& p : v) {
        if (p.is_number() || p.is_array())
            return bad(
                "Token-id prompts are not supported by braid serve; send the prompt as text.",
                "prompt");
        if (!p.is_string()) return wrong_type("prompt", "a string or an array of strings", p);
        out.push_back(p.get<std::string>());
    }
    return std::nullopt;
}

std::optional<ApiError> read_stop(const json& v, std::vector<std::string>& out) {
    if (v.is_string()) {
        out.push_back(v.get<std::string>());
        return std::nullopt;
    }
    if (!v.is_array()) return wrong_type("stop", "a string or an array of strings", v);
    if (v.size() > max_stop_sequences)
        return bad("Invalid 'stop': at most " + std::to_string(max_stop_sequences) +
                       " sequences are allowed.",
                   "stop");
    for (const json& s : v) {
        if (!s.is_string()) return wrong_type("stop", "a string or an array of strings", s);
        out.push_back(s.get<std::string>());
    }
    return std::nullopt;
}

std::optional<ApiError> read_tools(const json& v, std::string& out) {
    if (!v.is_array()) return wrong_type("tools", "an array", v);
    for (std::size_t i = 0; i < v.size(); ++i) {
        std::string param = "tools[" + std::to_string(i) + "]";
        const json& t = v[i];
        if (!t.is_object() || !t.contains("type") || !t["type"].is_string())
            return bad("Invalid '" + param + "': expected an object with a string 'type'.", param);
        if (t["type"] == "function") {
            auto f = t.find("function");
            if (f == t.end() || !f->is_object() || !f->contains("name") ||
                !(*f)["name"].is_string())
                return bad("Missing required parameter: '" + param + ".function.name'.",
                           param + ".function.name");
        }
    }
    if (!v.empty()) out = json_text(v);
    return std::nullopt;
}

std::optional<ApiError> read_tool_choice(const json& v, std::string& out) {
    if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        if (s != "none" && s != "auto" && s != "required")
            return bad(
                "Invalid value: '" + s + "'. Supported values are: 'none', 'auto' and 'required'.",
                "tool_choice");
    } else if (!v.is_object() || !v.contains("type") || !v["type"].is_string()) {
        return wrong_type("tool_choice", "a string or an object with a 'type'", v);
    }
    out = json_text(v);
    return std::nullopt;
}

struct Decoder {
    Endpoint endpoint;
    const DecodeLimits& limits;
    ApiRequest& out;
    std::optional<std::int64_t> max_tokens, max_completion_tokens, top_logprobs;
    bool stream_options_given = false;

    std::optional<ApiError> field(const std::string& key, const json& v, json& extra) {
        SamplingParams& s = out.request.sampling;
        bool chat = endpoint == Endpoint::chat_completions;
        std::int64_t i = 0;
        if (key == "model") {
            if (!v.is_string()) return wrong_type(key, "a string", v);
            out.request.model = v.get<std::string>();
            return std::nullopt;
        }
        if (v.is_null() && key != "messages" && key != "prompt")
            return std::nullopt;  // null = default
        if (chat && key == "messages") return read_messages(v, out.request.messages);
        if (!chat && key == "prompt") return read_prompt(v, out.prompts);
        if (key == "max_tokens" || (chat && key == "max_completion_tokens")) {
            if (auto e = read_int(v, key, 1, std::numeric_limits<std::int64_t>::max(), i)) return e;
            (key == "max_tokens" ? max_tokens : max_completion_tokens) = i;
            return std::nullopt;
        }
        if (key == "temperature") return read_number(v, key, 0.0, max_temperature, s.temperature);
        if (key == "top_p") return read_number(v, key, 0.0, 1.0, s.top_p);
        if (key == "seed") {
            if (auto e = read_int(v, key, std::numeric_limits<std::int64_t>::min(),
                                  std::numeric_limits<std::int64_t>::max(), i))
                return e;
            s.seed = static_cast<std::uint64_t>(i);
            return std::nullopt;
        }
        if (key == "stop") return read_stop(v, s.stop);
        if (key == "n") {
            if (auto e = read_int(v, key, 1, limits.max_n, i)) return e;
            out.n = static_cast<int>(i);
            return std::nullopt;
        }
        if (key == "stream") return read_bool(v, key, out.stream);
        if (key == "stream_options") {
            if (!v.is_object()) return wrong_type(key, "an object", v);
            stream_options_given = true;
            if (v.contains("include_usage") && !v["include_usage"].is_null())
                return read_bool(v["include_usage"], "stream_options.include_usage",
                                 out.include_usage);
            return std::nullopt;
        }
        if (chat && key == "logprobs") return read_bool(v, key, out.logprobs);
        if (chat && key == "top_logprobs") {
            if (auto e = read_int(v, key, 0, max_top_logprobs_chat, i)) return e;
            top_logprobs = i;
            return std::nullopt;
        }
        if (!chat && key == "logprobs") {
            if (auto e = read_int(v, key, 0, max_logprobs_completions, i)) return e;
            out.logprobs = true;
            top_logprobs = i;
            return std::nullopt;
        }
        if (key == "tools") return read_tools(v, out.request.tools_json);
        if (key == "tool_choice") return read_tool_choice(v, out.request.tool_choice_json);
        if (key == "parallel_tool_calls") return read_bool(v, key, out.request.parallel_tool_calls);
        if (!chat && key == "echo" && v == true)
            return bad("'echo' is not supported by braid serve.", key);
        if (!chat && key == "best_of") {
            if (auto e = read_int(v, key, 1, limits.max_n, i)) return e;
            if (i > 1) return bad("'best_of' greater than 1 is not supported by braid serve.", key);
            return std::nullopt;
        }
        extra[key] = v;  // not interpreted here: passed through to the backend
        return std::nullopt;
    }

    std::optional<ApiError> finish(const json& extra) {
        bool chat = endpoint == Endpoint::chat_completions;
        if (out.request.model.empty()) return bad("You must provide a model parameter.", "model");
        if (chat && out.request.messages.empty())
            return bad("Missing required parameter: 'messages'.", "messages");
        if (!chat && out.prompts.empty())
            return bad("Missing required parameter: 'prompt'.", "prompt");
        if (stream_options_given && !out.stream)
            return bad("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                       "stream_options");
        if (chat && top_logprobs && !out.logprobs)
            return bad("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
        SamplingParams& s = out.request.sampling;
        if (max_completion_tokens)
            s.max_tokens = *max_completion_tokens;
        else if (max_tokens)
            s.max_tokens = *max_tokens;
        else if (!chat)
            s.max_tokens = default_completions_max_tokens;
        s.top_logprobs = out.logprobs ? static_cast<int>(top_logprobs.value_or(0)) : -1;
        if (out.num_choices() > limits.max_choices)
            return bad("Too many choices: prompts × n must be at most " +
                           std::to_string(limits.max_choices) + ".",
                       "n");
        if (!chat) out.request.prompt = out.prompts.front();
        if (!extra.empty()) out.request.extra_json = json_text(extra);
        return std::nullopt;
    }
};

}  // namespace

std::optional<ApiError> decode_request(Endpoint endpoint, std::string_view body, ApiRequest& out,
                                       const DecodeLimits& limits) {
    if (json_depth(body) > limits.max_json_depth)
        return bad("The request JSON nests deeper than " + std::to_string(limits.max_json_depth) +
                   " levels.");
    json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
        return bad(
            "We could not parse the JSON body of your request. The body must be valid JSON "
            "(UTF-8).");
    if (!j.is_object()) return bad("The request body must be a JSON object.");
    out = ApiRequest{};
    out.endpoint = endpoint;
    Decoder decoder{endpoint, limits, out, {}, {}, {}, false};
    json extra = json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
        if (auto e = decoder.field(it.key(), it.value(), extra)) return e;
    return decoder.finish(extra);
}

}  // namespace braid::backends::openai_wire
