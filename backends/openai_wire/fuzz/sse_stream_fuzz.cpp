// libFuzzer entry point for what a remote server's stream goes through: the SSE parser, the
// chunk scanner (fast path), the DOM path and the stream assembler.
//
// The first byte picks the endpoint and where the input is cut into feeds, so events and UTF-8
// characters arrive split at any byte. Checks: no crash, no exception, no sanitizer report;
// every piece handed out is well-formed UTF-8, and a choice's pieces begin a completion's
// text; an error's message is well-formed UTF-8.
//
// Build (clang): cmake --build build --target fuzz_sse_stream; run: build/backends/sse_stream_fuzz
// -max_total_time=60 backends/openai_wire/fuzz/corpus

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "backends/openai/sse_parser.hpp"
#include "backends/openai_wire/stream_assembler.hpp"
#include "core/utf8.hpp"

using braid::backends::openai::SseEvent;
using braid::backends::openai::SseParser;
using braid::backends::openai_wire::Endpoint;
using braid::backends::openai_wire::StreamAssembler;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t control = data[0];
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    const Endpoint endpoint = (control & 1) != 0 ? Endpoint::completions : Endpoint::chat_completions;
    const std::size_t step = 1 + (control >> 1);  // feed size: 1..128 bytes

    StreamAssembler assembler(endpoint);
    std::map<std::size_t, std::string> delivered;
    bool failed = false;
    const StreamAssembler::TextSink on_text = [&](std::size_t choice, std::string_view piece) {
        check(braid::is_valid_utf8(piece));
        delivered[choice] += piece;
    };
    const SseParser::EventSink on_event = [&](const SseEvent& event) {
        if (failed) return;
        auto fed = assembler.feed(event.data, on_text);
        if (!fed) {
            failed = true;
            check(braid::is_valid_utf8(fed.error().message));
        }
    };
    SseParser parser(1u << 16);
    for (std::size_t at = 0; at < body.size(); at += step) parser.feed(body.substr(at, step), on_event);
    parser.finish(on_event);
    if (failed) return 0;
    const std::size_t choices = assembler.num_choices();
    std::vector<braid::backends::Completion> done = assembler.take_completions();
    check(done.size() <= choices);
    // Each choice's pieces begin its text (held bytes flushed at the end may follow them).
    for (const auto& [choice, text] : delivered) {
        (void)choice;
        bool found = false;
        for (const auto& completion : done) found = found || completion.text.starts_with(text);
        check(found);
    }
    for (const auto& completion : done) check(braid::is_valid_utf8(completion.text));
    return 0;
}
