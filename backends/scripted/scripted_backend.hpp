#pragma once
// ScriptedBackend: the deterministic test double. A "program" maps each request (and the call's
// index) to a reply: text, per-chunk delay, or a failure. Replies are streamed through
// stream_text, so stop strings, max_tokens and cancellation behave as with a real model.
//
// It is a stand-in, never a model: runs that use it are recorded with backend "scripted".
//
// Logprobs: a reply may carry `logprob` (every streamed token gets it) and `top_logprobs` (the
// alternatives of the first token). Only when the request asks for logprobs
// (sampling.top_logprobs >= 0) does Completion::logprobs hold them: one entry per estimated token
// of the streamed text (the pieces estimate_tokens counts, each with its leading spaces; the
// concatenation is the text), the first token's alternatives sorted most likely first and cut to
// top_logprobs. The first token's own logprob is its entry in `top_logprobs` when it has one,
// else `logprob` (0 when absent). A reply with neither field returns no logprobs.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "backends/backend.hpp"
#include "backends/text_stream.hpp"

namespace braid::backends {

struct ScriptedReply {
    // A constructor rather than an aggregate, so `{text, delay, failure}` stays complete as
    // fields are added.
    ScriptedReply(std::string reply_text = {}, std::chrono::microseconds delay = {},
                  std::optional<Error> reply_failure = std::nullopt)
        : text(std::move(reply_text)), delay_per_chunk(delay), failure(std::move(reply_failure)) {}

    std::string text;
    std::chrono::microseconds delay_per_chunk{0};
    std::optional<Error> failure;  // returned instead of a completion
    std::optional<double> logprob;  // of every token (see the header comment)
    std::vector<std::pair<std::string, double>> top_logprobs;  // the first token's alternatives
    bool has_logprobs() const { return logprob.has_value() || !top_logprobs.empty(); }
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
    // "error": "backend", "retryable": true, "origin": "/s1/c0$", "logprob": -0.5,
    // "top_logprobs": {"Yes": -0.1, "No": -2.4}}], "default": {...}}. A request
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
