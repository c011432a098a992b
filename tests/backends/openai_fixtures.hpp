#pragma once
// Builders for OpenAI wire payloads in tests: chunk JSON, SSE events and whole scripted replies.

#include <chrono>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "tests/backends/fault_server.hpp"

namespace braid::backends::testing {

inline std::string sse_event(const std::string& data) {
    return "data: " + data + "\n\n";
}
inline std::string sse_done() {
    return "data: [DONE]\n\n";
}

inline std::string chat_delta(const std::string& content, int choice = 0) {
    nlohmann::json j = {
        {"id", "chatcmpl-1"},
        {"object", "chat.completion.chunk"},
        {"created", 1},
        {"model", "m"},
        {"choices",
         {{{"index", choice}, {"delta", {{"content", content}}}, {"finish_reason", nullptr}}}}};
    return j.dump();
}

inline std::string chat_finish(const std::string& reason, int choice = 0) {
    nlohmann::json j = {
        {"id", "chatcmpl-1"},
        {"object", "chat.completion.chunk"},
        {"created", 1},
        {"model", "m"},
        {"choices",
         {{{"index", choice}, {"delta", nlohmann::json::object()}, {"finish_reason", reason}}}}};
    return j.dump();
}

inline std::string usage_chunk(long prompt, long completion, long cached = 0) {
    nlohmann::json j = {{"id", "chatcmpl-1"},
                        {"object", "chat.completion.chunk"},
                        {"choices", nlohmann::json::array()},
                        {"usage",
                         {{"prompt_tokens", prompt},
                          {"completion_tokens", completion},
                          {"total_tokens", prompt + completion},
                          {"prompt_tokens_details", {{"cached_tokens", cached}}}}}};
    return j.dump();
}

// The SSE events of a chat stream: one delta per piece, finish "stop", usage, [DONE].
inline std::vector<std::string> chat_stream_events(const std::vector<std::string>& pieces,
                                                   long prompt, long completion) {
    std::vector<std::string> events;
    for (const std::string& p : pieces) events.push_back(sse_event(chat_delta(p)));
    events.push_back(sse_event(chat_finish("stop")));
    events.push_back(sse_event(usage_chunk(prompt, completion)));
    events.push_back(sse_done());
    return events;
}

// A non-streaming chat.completion body with one choice per text.
inline std::string chat_response(const std::vector<std::string>& texts, long prompt,
                                 long completion) {
    nlohmann::json choices = nlohmann::json::array();
    for (std::size_t i = 0; i < texts.size(); ++i)
        choices.push_back({{"index", i},
                           {"message", {{"role", "assistant"}, {"content", texts[i]}}},
                           {"finish_reason", "stop"}});
    nlohmann::json j = {{"id", "chatcmpl-1"},
                        {"object", "chat.completion"},
                        {"model", "m"},
                        {"choices", choices},
                        {"usage",
                         {{"prompt_tokens", prompt},
                          {"completion_tokens", completion},
                          {"total_tokens", prompt + completion}}}};
    return j.dump();
}

// A first_of child that finishes with `value` after `delay` (or early, when cancelled).
template <class T>
asio::awaitable<T> after(std::chrono::milliseconds delay, T value) {
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    co_return value;
}

}  // namespace braid::backends::testing
