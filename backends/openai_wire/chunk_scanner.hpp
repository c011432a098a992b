#pragma once
// scan_plain_chunk: a DOM-free reader for the streaming chunk that makes up almost every event of
// an OpenAI stream — choices carrying `index`, a text piece (`text` for legacy completions,
// `delta.content` for chat), `finish_reason` and the matched stop string (vLLM `stop_reason`,
// SGLang `matched_stop`; see wire_json::stop_sequence_at), with everything else skipped.
//
// Contract: it returns true only for a chunk that is valid JSON (numbers and literals checked,
// nesting bounded) up to one leniency: bytes inside string values that are not UTF-8 are kept
// raw, so a character a server split across two events is whole again once the caller joins the
// pieces (StreamAssembler repairs what stays ill-formed). It returns false — and the caller must
// then use the full nlohmann parser — for tool-call deltas, non-null `logprobs`, `usage` or
// `error`, a non-integer or out-of-range `index`, a field of an unexpected type, a repeated key it
// reads, and any JSON it cannot accept. So the fast path agrees with the full parser run on the
// chunk with its ill-formed UTF-8 repaired (repair_utf8), and never decides an error.
//
// The outputs are written into `out`, whose buffers are reused from call to call (no allocation
// once warm).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "backends/openai_wire/api_request.hpp"

namespace braid::backends::openai_wire {

struct ScannedChoice {
    std::size_t index = 0;
    std::string piece;          // decoded text piece; "" when absent or null
    std::string finish_reason;  // "" when absent or null
    // A string `stop_reason`, else a string `matched_stop`; "" otherwise (ints and null ignored).
    std::string stop_sequence;
    std::string matched_stop;  // scratch for the above (buffer reused)
};

struct ScannedChunk {
    std::vector<ScannedChoice> choices;  // capacity is kept across calls
    std::size_t count = 0;               // choices[0..count) are this chunk's
};

bool scan_plain_chunk(std::string_view data, Endpoint endpoint, std::size_t max_choices,
                      ScannedChunk& out);

}  // namespace braid::backends::openai_wire
