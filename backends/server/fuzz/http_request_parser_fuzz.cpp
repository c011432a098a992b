// libFuzzer entry point for HttpRequestParser (and the OpenAI request decoder behind it).
//
// The input is split into feeds at positions taken from its first byte, so the fuzzer explores
// requests that arrive in pieces; several requests may follow one another (keep-alive). A
// complete request's body goes through the OpenAI decoder, and a decoded one is answered with
// the body bytes as completion text (arbitrary bytes, invalid UTF-8 included) through both
// response renderers. Checks: no crash, no exception, no sanitizer report, consumption never
// exceeds what was fed, a complete request respects the limits, a failed one carries a 4xx/5xx.
//
// Build (clang): see backends/server/README.md.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "backends/openai_wire/api_request.hpp"
#include "backends/openai_wire/api_response.hpp"
#include "backends/openai_wire/stream_encoder.hpp"
#include "backends/server/http_request_parser.hpp"

using braid::backends::openai_wire::ApiRequest;
using braid::backends::openai_wire::Endpoint;
using braid::backends::server::HttpLimits;
using braid::backends::server::HttpRequestParser;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

void render(const ApiRequest& api, const std::string& text) {
    braid::backends::Completion completion;
    completion.text = text;
    completion.tool_calls.push_back({text, text, text});
    completion.logprobs.push_back({text, -1.0, {{text, -2.0}}});
    std::vector<braid::backends::Completion> choices(api.num_choices(), completion);
    braid::backends::openai_wire::ResponseMeta meta{"id", 1, api.request.model};
    std::string body = braid::backends::openai_wire::render_response(api, meta, choices);
    check(!body.empty());
    braid::backends::openai_wire::StreamEncoder encoder(api, meta);
    std::string sse;
    encoder.begin(sse);
    for (std::size_t i = 0; i < choices.size(); ++i) {
        encoder.content(sse, i, std::string_view(text).substr(0, text.size() / 2));
        encoder.content(sse, i, std::string_view(text).substr(text.size() / 2));
        encoder.finish(sse, i, completion);
    }
    encoder.done(sse);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    HttpLimits limits;
    limits.max_header_bytes = 2048;
    limits.max_request_line_bytes = 512;
    limits.max_header_count = 16;
    limits.max_body_bytes = 4096;
    std::size_t step = static_cast<std::size_t>(data[0] % 16) + 1;
    std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

    HttpRequestParser parser(limits);
    std::size_t pos = 0;
    while (pos < input.size()) {
        std::string_view piece = input.substr(pos, step);
        std::size_t used = parser.feed(piece);
        check(used <= piece.size());
        pos += used;
        if (parser.failed()) {
            check(parser.error().status >= 400 && parser.error().status < 600);
            break;
        }
        if (parser.complete()) {
            const auto& request = parser.request();
            check(request.body.size() <= limits.max_body_bytes);
            check(request.headers.size() <= limits.max_header_count);
            (void)request.keep_alive();
            (void)request.path();
            ApiRequest api;
            Endpoint endpoint =
                request.target.size() % 2 ? Endpoint::chat_completions : Endpoint::completions;
            if (!braid::backends::openai_wire::decode_request(endpoint, request.body, api))
                render(api, request.body);
            parser.reset();
            continue;
        }
        check(used == piece.size());  // needing more means everything offered was taken
    }
    return 0;
}
