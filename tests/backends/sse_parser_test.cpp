#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "backends/openai/sse_parser.hpp"

using braid::backends::openai::SseEvent;
using braid::backends::openai::SseParser;

namespace {

std::vector<SseEvent> parse_in_pieces(const std::string& stream,
                                      const std::vector<std::size_t>& cuts) {
    std::vector<SseEvent> events;
    SseParser parser;
    SseParser::EventSink sink = [&](const SseEvent& e) { events.push_back(e); };
    std::size_t at = 0;
    for (std::size_t cut : cuts) {
        parser.feed(std::string_view(stream).substr(at, cut - at), sink);
        at = cut;
    }
    parser.feed(std::string_view(stream).substr(at), sink);
    parser.finish(sink);
    return events;
}

std::vector<SseEvent> parse_whole(const std::string& stream) {
    return parse_in_pieces(stream, {});
}

}  // namespace

TEST_CASE("SSE parser yields one event per blank-line-terminated data line", "[backends][sse]") {
    auto events = parse_whole("data: {\"a\":1}\n\ndata: [DONE]\n\n");
    REQUIRE(events.size() == 2);
    CHECK(events[0].data == "{\"a\":1}");
    CHECK(events[1].data == "[DONE]");
}

TEST_CASE("SSE parser gives the same events for every possible split into two and three pieces",
          "[backends][sse]") {
    const std::string stream =
        ": ping\r\nevent: message\r\ndata: first\r\ndata: second\r\n\r\ndata:x\rdata: y\r\rdata: "
        "\xC3\xA9t\xC3\xA9\n\n";
    auto expected = parse_whole(stream);
    REQUIRE(expected.size() == 3);
    CHECK(expected[0].event == "message");
    CHECK(expected[0].data == "first\nsecond");
    CHECK(expected[1].data == "x\ny");
    CHECK(expected[2].data == "\xC3\xA9t\xC3\xA9");
    for (std::size_t i = 0; i <= stream.size(); ++i) {
        for (std::size_t j = i; j <= stream.size(); ++j) {
            auto got = parse_in_pieces(stream, {i, j});
            REQUIRE(got.size() == expected.size());
            for (std::size_t k = 0; k < got.size(); ++k) {
                REQUIRE(got[k].data == expected[k].data);
                REQUIRE(got[k].event == expected[k].event);
            }
        }
    }
}

TEST_CASE("SSE parser feeds byte by byte with CRLF line endings", "[backends][sse]") {
    const std::string stream = "data: a\r\n\r\ndata: b\r\n\r\n";
    std::vector<std::size_t> every_byte;
    for (std::size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
    auto events = parse_in_pieces(stream, every_byte);
    REQUIRE(events.size() == 2);
    CHECK(events[0].data == "a");
    CHECK(events[1].data == "b");
}

TEST_CASE("SSE parser skips comments and events without data", "[backends][sse]") {
    auto events = parse_whole(": keep-alive\n\n: ping\n\nevent: ping\n\nid: 7\n\ndata: real\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "real");
    CHECK(events[0].id == "7");
}

TEST_CASE("SSE parser strips only one space after the colon and accepts a field without a colon",
          "[backends][sse]") {
    auto events = parse_whole("data:  two spaces\n\ndata\n\n");
    REQUIRE(events.size() == 2);
    CHECK(events[0].data == " two spaces");
    CHECK(events[1].data == "");
}

TEST_CASE("SSE parser dispatches a final event that lacks its blank line at end of stream",
          "[backends][sse]") {
    auto events = parse_whole("data: a\n\ndata: last");
    REQUIRE(events.size() == 2);
    CHECK(events[1].data == "last");
}

TEST_CASE("SSE parser reports a line longer than its limit instead of growing without bound",
          "[backends][sse]") {
    SseParser parser(16);
    int events = 0;
    SseParser::EventSink sink = [&](const SseEvent&) { ++events; };
    parser.feed("data: 0123456789", sink);
    parser.feed("0123456789", sink);
    CHECK(parser.overflowed());
    parser.feed("\n\n", sink);
    CHECK(events == 0);
}
