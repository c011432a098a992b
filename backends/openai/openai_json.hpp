#pragma once
// JSON pieces shared by the non-streaming parser (openai_response_json.cpp) and the stream
// assembler (stream_assembler_json.cpp). Internal to backends/openai. None of them throws: a field
// of the wrong type counts as absent.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.hpp"
#include "backends/openai/openai_wire.hpp"

namespace braid::backends::openai::json_detail {

// The string at j[key], or "" when absent, null or not a string.
std::string string_at(const nlohmann::json& j, const char* key);

// The stop string that ended a choice: vLLM's `stop_reason` when it is a string (an int there is a
// stop token id, ignored), else SGLang's `matched_stop` when it is a string; "" otherwise.
std::string stop_sequence_at(const nlohmann::json& choice);

// {prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens}; missing fields are 0.
Usage parse_usage(const nlohmann::json& usage);

// A choice's `logprobs` object: chat ({content:[{token, logprob, top_logprobs}]}) or legacy
// ({tokens, token_logprobs, top_logprobs:[{tok: lp}]}, alternatives sorted most likely first).
std::vector<TokenLogprob> parse_logprobs(const nlohmann::json& logprobs, ApiMode mode);

// The value of an "error" key (an object or a string).
ApiErrorInfo parse_error_value(const nlohmann::json& error);

// `arguments` as sent: a JSON string as is, an object or array re-serialized, null as "".
std::string arguments_text(const nlohmann::json& arguments);

}  // namespace braid::backends::openai::json_detail
