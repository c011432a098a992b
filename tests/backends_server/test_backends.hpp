#pragma once
// Backends for the server tests: a wrapper that records how each call ended (so a test can wait
// for "the backend call returned cancelled" without sleeping), a backend that answers with tool
// calls and logprobs, and one that fails after streaming: what the scripted backend cannot do.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "backends/backend.hpp"

namespace braid::test {

class RecordingBackend final : public backends::Backend {
public:
    explicit RecordingBackend(backends::Backend& inner) : inner_(inner) {}

    std::string_view name() const override { return "recording"; }
    asio::awaitable<Result<backends::Completion>> complete(backends::CompletionRequest request,
                                                           backends::ChunkSink on_chunk) override {
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(request);
        }
        changed_.notify_all();
        Result<backends::Completion> result =
            co_await inner_.complete(std::move(request), std::move(on_chunk));
        {
            std::lock_guard lock(mutex_);
            outcomes_.push_back(result ? std::string("ok")
                                       : std::string(to_string(result.error().code)));
        }
        changed_.notify_all();
        co_return result;
    }

    // Waits until `count` calls have returned (or `timeout` passes); returns their outcomes:
    // "ok" or the error code name ("cancelled", ...).
    std::vector<std::string> wait_for_outcomes(
        std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [&] { return outcomes_.size() >= count; });
        return outcomes_;
    }
    // Waits until `count` calls have started (or `timeout` passes); returns how many have.
    std::size_t wait_for_requests(std::size_t count,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
        return requests_.size();
    }
    std::vector<backends::CompletionRequest> requests() {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    backends::Backend& inner_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> outcomes_;
    std::vector<backends::CompletionRequest> requests_;
};

// Answers every request with one tool call (and logprobs when asked), after streaming `text`.
class ToolCallingBackend final : public backends::Backend {
public:
    std::string_view name() const override { return "tool-calling"; }
    asio::awaitable<Result<backends::Completion>> complete(backends::CompletionRequest request,
                                                           backends::ChunkSink on_chunk) override {
        backends::Completion c;
        c.text = "Let me look.";
        if (on_chunk) on_chunk(c.text);
        c.finish_reason = "tool_calls";
        c.tool_calls = {{"call_a", "run_tests", R"({"path":"tests/"})"}, {"call_b", "ls", "{}"}};
        if (request.sampling.top_logprobs >= 0)
            c.logprobs = {{"Let", -0.5, {{"Let", -0.5}, {"So", -1.5}}}};
        c.usage.prompt_tokens = 11;
        c.usage.completion_tokens = 13;
        c.usage.cached_prompt_tokens = 4;
        co_return c;
    }
};

// Streams a little text, then fails: the in-stream error path.
class FailingMidStreamBackend final : public backends::Backend {
public:
    std::string_view name() const override { return "failing"; }
    asio::awaitable<Result<backends::Completion>> complete(backends::CompletionRequest,
                                                           backends::ChunkSink on_chunk) override {
        if (on_chunk) on_chunk("partial ");
        co_return make_error(ErrorCode::backend, "engine crashed mid-stream");
    }
};

}  // namespace braid::test
