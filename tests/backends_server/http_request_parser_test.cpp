#include <catch2/catch.hpp>

#include <string>

#include "backends/server/http_request_parser.hpp"

using braid::backends::server::HttpLimits;
using braid::backends::server::HttpRequestParser;

namespace {

const std::string simple_post =
    "POST /v1/chat/completions?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Thing:  spaced "
    "value \t\r\n\r\nhello";

// Feeds `bytes` whole; returns the parser's state.
HttpRequestParser parse(const std::string& bytes, HttpLimits limits = {}) {
    HttpRequestParser parser(limits);
    parser.feed(bytes);
    return parser;
}

}  // namespace

TEST_CASE("the parser reads a request line, headers and a Content-Length body",
          "[server][parser]") {
    HttpRequestParser parser;
    REQUIRE(parser.feed(simple_post) == simple_post.size());
    REQUIRE(parser.complete());
    const auto& r = parser.request();
    CHECK(r.method == "POST");
    CHECK(r.target == "/v1/chat/completions?x=1");
    CHECK(r.path() == "/v1/chat/completions");
    CHECK(r.version_minor == 1);
    CHECK(r.body == "hello");
    REQUIRE(r.header("x-thing"));
    CHECK(*r.header("X-THING") == "spaced value");
    CHECK(r.keep_alive());
}

TEST_CASE("the parser gives the same request when it arrives one byte at a time",
          "[server][parser]") {
    HttpRequestParser parser;
    for (char c : simple_post) {
        REQUIRE(!parser.complete());
        REQUIRE(parser.feed(std::string_view(&c, 1)) == 1);
    }
    REQUIRE(parser.complete());
    CHECK(parser.request().body == "hello");
    CHECK(parser.request().headers.size() == 3);
}

TEST_CASE("the parser stops at the end of a request and leaves pipelined bytes unconsumed",
          "[server][parser]") {
    std::string two = simple_post + "GET /health HTTP/1.0\r\n\r\n";
    HttpRequestParser parser;
    std::size_t used = parser.feed(two);
    REQUIRE(parser.complete());
    CHECK(used == simple_post.size());
    parser.reset();
    CHECK(parser.feed(std::string_view(two).substr(used)) == two.size() - used);
    REQUIRE(parser.complete());
    CHECK(parser.request().method == "GET");
    CHECK(!parser.request().keep_alive());  // HTTP/1.0 without keep-alive
}

TEST_CASE("the parser accepts bare LF line endings and skips empty lines before a request",
          "[server][parser]") {
    auto parser = parse("\r\n\nGET /v1/models HTTP/1.1\nConnection: close\n\n");
    REQUIRE(parser.complete());
    CHECK(parser.request().target == "/v1/models");
    CHECK(!parser.request().keep_alive());
}

TEST_CASE("the parser reports Expect: 100-continue once the headers are in", "[server][parser]") {
    HttpRequestParser parser;
    parser.feed("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
    REQUIRE(parser.headers_done());
    REQUIRE(!parser.complete());
    CHECK(parser.request().expects_continue());
    parser.feed("abc");
    CHECK(parser.complete());
}

TEST_CASE("the parser rejects malformed requests with the right status", "[server][parser]") {
    struct Case {
        std::string bytes;
        int status;
    };
    const Case cases[] = {
        {"\x01\x02garbage\r\n\r\n", 400},
        {"GET /\r\n\r\n", 400},
        {"GET / HTTP/1.1 extra\r\n\r\n", 400},
        {"G@T / HTTP/1.1\r\n\r\n", 400},
        {"GET / HTTP/2.0\r\n\r\n", 505},
        {"GET / HTTX/1.1\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 12x\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1234567890abcdef0\r\n", 400},
        {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400},
    };
    for (const Case& c : cases) {
        INFO(c.bytes);
        auto parser = parse(c.bytes);
        REQUIRE(parser.failed());
        CHECK(parser.error().status == c.status);
        CHECK(!parser.error().message.empty());
    }
}

TEST_CASE(
    "the parser decodes a chunked body with extensions and trailers, in one piece or byte by byte",
    "[server][parser]") {
    const std::string bytes =
        "POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
        "5\r\n{\"a\":\r\n"
        "A;name=value\r\n\"0123456\"}\r\n"
        "0\r\nX-Trailer: ignored\r\n\r\n"
        "GET /health HTTP/1.1\r\n\r\n";
    const std::string body = "{\"a\":\"0123456\"}";
    auto whole = parse(bytes);
    REQUIRE(whole.complete());
    CHECK(whole.request().body == body);

    HttpRequestParser slow;
    std::size_t used = 0;
    while (!slow.complete() && !slow.failed() && used < bytes.size())
        used += slow.feed(std::string_view(bytes).substr(used, 1));
    REQUIRE(slow.complete());
    CHECK(slow.request().body == body);
    // The pipelined request after the body is left for the next parse.
    CHECK(std::string_view(bytes).substr(used).starts_with("GET /health"));

    // The decoded size counts against the body limit.
    HttpLimits small;
    small.max_body_bytes = 8;
    auto big = parse(bytes, small);
    REQUIRE(big.failed());
    CHECK(big.error().status == 413);
}

TEST_CASE("the parser enforces its header, request line and body limits", "[server][parser]") {
    HttpLimits limits;
    limits.max_header_bytes = 256;
    limits.max_request_line_bytes = 64;
    limits.max_header_count = 4;
    limits.max_body_bytes = 10;

    SECTION("too many header bytes is a 431, even before the block ends") {
        auto parser = parse("GET / HTTP/1.1\r\nX: " + std::string(300, 'a'), limits);
        REQUIRE(parser.failed());
        CHECK(parser.error().status == 431);
    }
    SECTION("too many headers is a 431") {
        auto parser =
            parse("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n", limits);
        REQUIRE(parser.failed());
        CHECK(parser.error().status == 431);
    }
    SECTION("a long request line is a 414") {
        auto parser = parse("GET /" + std::string(100, 'a'), limits);
        REQUIRE(parser.failed());
        CHECK(parser.error().status == 414);
    }
    SECTION("a body over the limit is a 413 as soon as Content-Length is read") {
        auto parser = parse("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits);
        REQUIRE(parser.failed());
        CHECK(parser.error().status == 413);
    }
    SECTION("a body at the limit is fine") {
        auto parser = parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits);
        CHECK(parser.complete());
    }
}

TEST_CASE("the parser finds a header terminator split across feeds", "[server][parser]") {
    HttpRequestParser parser;
    parser.feed("GET / HTTP/1.1\r\nA: b\r");
    parser.feed("\n");
    REQUIRE(!parser.complete());
    parser.feed("\r");
    REQUIRE(!parser.complete());
    parser.feed("\n");
    CHECK(parser.complete());
}
