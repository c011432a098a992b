#pragma once
// ScriptedBackend: the deterministic test double. A "program" maps each request (and the call's
// index) to a reply: text, per-chunk delay, or a failure. Replies are streamed through
// stream_text, so stop strings, max_tokens and cancellation behave as with a real model.
//
// It is a stand-in, never a model: runs that use it are recorded with backend "scripted".

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backends/backend.hpp"
#include "backends/text_stream.hpp"

namespace braid::backends {

struct ScriptedReply {
    std::string text;
    std::chrono::microseconds delay_per_chunk{0};
    std::optional<Error> failure;  // returned instead of a completion
};

class ScriptedBackend final : public Backend {
public:
    using Program = std::function<ScriptedReply(const CompletionRequest&, std::size_t call_index)>;

    explicit ScriptedBackend(Program program) : program_(std::move(program)) {}

    // Replies in order, cycling when exhausted.
    static std::unique_ptr<ScriptedBackend> canned(std::vector<ScriptedReply> replies);
    // Every request gets `text` at once: the "instant" backend of benchmarks.
    static std::unique_ptr<ScriptedBackend> instant(std::string text);
    // From a JSON script: {"replies": [{"match": "substring", "text": "...", "delay_ms": 5,
    // "error": "backend", "retryable": true, "origin": "/s1/c0$"}], "default": {...}}. A request
    // takes the first reply whose "match" occurs in its prompt (or last message) and whose
    // "origin" regex, if any, is found in CompletionRequest::origin (so one script can play each
    // of several parallel threads, call by call); otherwise "default". A reply needs "match",
    // "origin" or both. Errors name the offending field.
    static Result<std::unique_ptr<ScriptedBackend>> from_json(const nlohmann::json& script);

    std::string_view name() const override { return "scripted"; }
    asio::awaitable<Result<Completion>> complete(CompletionRequest request, ChunkSink on_chunk) override;

    std::size_t calls() const { return calls_.load(); }

private:
    Program program_;
    std::atomic<std::size_t> calls_{0};
};

}  // namespace braid::backends
