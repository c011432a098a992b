#pragma once
// ApiError: the OpenAI error object, both directions (reference/ecosystem.md §1.4). The server
// renders `{"error":{"message","type","param","code"}}` with an HTTP status; the client parses
// what servers send back: that shape with `code` a string or an int, also {"error":"text"},
// {"detail":...} and {"message":...}. JSON in api_error_json.cpp; nothing here throws.

#include <string>
#include <string_view>

namespace braid::backends::openai_wire {

struct ApiError {
    // The HTTP status it travels with (the server sends it). A parsed body does not say: 0.
    int status = 400;
    std::string message;
    // The defaults fit an error the server builds; a parsed body leaves absent fields "".
    std::string type = "invalid_request_error";
    std::string param;  // "" renders as null
    std::string code;   // "" renders as null; a parsed int code is rendered in decimal
};

// Renders `{"error":{...}}`. Never throws: invalid UTF-8 becomes U+FFFD.
std::string render_error(const ApiError& error);

// An error body as servers send it. Status 0; fields absent stay ""; a body that is none of the
// known shapes gives its first 200 bytes as the message.
ApiError parse_error_body(std::string_view body);

// Whether an error object received inside a 200 stream is worth retrying: yes, unless its code or
// type names a client error (4xx other than 408/409/429, invalid request, auth, not found, ...).
bool stream_error_retryable(const ApiError& error);

// "type/code: message" for Error messages; the message is cut at 500 bytes (at a character
// boundary).
std::string describe(const ApiError& error);

}  // namespace braid::backends::openai_wire
