#pragma once
// The JSON shapes that several messages share — usage, logprobs, tool calls, the error object —
// read and written in one place (wire_json.cpp). Internal to backends/openai_wire: the request,
// response and error codecs and the stream assembler use it. Readers never throw: a field of the
// wrong type counts as absent.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.hpp"
#include "backends/openai_wire/api_error.hpp"
#include "backends/openai_wire/api_request.hpp"

namespace braid::backends::openai_wire::wire_json {

// Serializes `j` compactly. Never throws: invalid UTF-8 in strings becomes U+FFFD.
std::string dump(const nlohmann::json& j);

// Parses a server's JSON text; discarded when it is not JSON. A text that is JSON but for bytes
// that are not UTF-8 is parsed with those bytes replaced by U+FFFD, not refused.
nlohmann::json parse_lenient(std::string_view text);

// The string at j[key], or "" when absent, null or not a string.
std::string string_at(const nlohmann::json& j, const char* key);

// The stop string that ended a choice: vLLM's `stop_reason` when it is a string (an int there is a
// stop token id, ignored), else SGLang's `matched_stop` when it is a string; "" otherwise.
std::string stop_sequence_at(const nlohmann::json& choice);

// Usage: {prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details.cached_tokens}.
// Reading, missing fields are 0 (total_tokens is not read).
Usage parse_usage(const nlohmann::json& usage);
nlohmann::json usage_object(const Usage& usage);

// A choice's `logprobs` object: chat ({content:[{token, logprob, bytes, top_logprobs}],
// refusal}) or legacy ({tokens, token_logprobs, top_logprobs:[{tok: lp}], text_offset}).
// Reading legacy, alternatives are sorted most likely first. Writing, no logprobs give null.
std::vector<TokenLogprob> parse_logprobs(const nlohmann::json& logprobs, Endpoint endpoint);
nlohmann::json logprobs_object(const std::vector<TokenLogprob>& logprobs, Endpoint endpoint);

// `tool_calls` of a message: [{id, type: "function", function: {name, arguments}}].
nlohmann::json tool_calls_array(const std::vector<ToolCall>& calls);

// `arguments` as sent: a JSON string as is, an object or array re-serialized, null as "".
std::string arguments_text(const nlohmann::json& arguments);

// The value of an "error" key (an object or a string), as parse_error_body reads it.
ApiError parse_error_value(const nlohmann::json& error);

// The first 200 bytes of `body`, with "..." when cut (for messages about malformed replies).
std::string excerpt(std::string_view body);

}  // namespace braid::backends::openai_wire::wire_json
