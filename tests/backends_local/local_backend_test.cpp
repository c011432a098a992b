// LocalBackend end to end on a tiny real model: deterministic greedy text, exact usage, stop
// strings, max_tokens, chat templates and cancellation.
#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>

#include "backends/local/engine/local_backend.hpp"
#include "core/async.hpp"
#include "tests/backends_local/tiny_model_files.hpp"

namespace local = braid::backends::local;
using braid::backends::Completion;
using braid::backends::CompletionRequest;

namespace {
std::unique_ptr<local::LocalBackend> open_backend(asio::io_context& io,
                                                  const char* file = "llama.gguf") {
    auto backend = local::LocalBackend::open(braid::test::tiny_model_dir() / file,
                                             local::EngineOptions{.threads = 1, .kv_blocks = 64},
                                             io.get_executor());
    REQUIRE(backend.has_value());
    return std::move(*backend);
}
CompletionRequest greedy(std::string prompt, std::int64_t max_tokens) {
    CompletionRequest r;
    r.prompt = std::move(prompt);
    r.sampling.temperature = 0;
    r.sampling.max_tokens = max_tokens;
    return r;
}
braid::Result<Completion> complete(asio::io_context& io, local::LocalBackend& b,
                                   CompletionRequest r, std::string* streamed = nullptr) {
    braid::backends::ChunkSink sink = [streamed](std::string_view s) {
        if (streamed) *streamed += s;
    };
    return braid::async::run_sync(io, b.complete(std::move(r), sink));
}
}  // namespace

TEST_CASE("the local backend is deterministic under greedy sampling and counts tokens exactly",
          "[backends_local][local_backend]") {
    asio::io_context io;
    auto backend = open_backend(io);
    std::string streamed;
    auto first = complete(io, *backend, greedy("the cat sat on", 16), &streamed);
    auto second = complete(io, *backend, greedy("the cat sat on", 16));
    REQUIRE((first.has_value() && second.has_value()));
    REQUIRE(first->text == second->text);
    REQUIRE(streamed == first->text);
    REQUIRE(
        first->usage.prompt_tokens ==
        static_cast<std::int64_t>(backend->engine().tokenizer().encode("the cat sat on").size()));
    REQUIRE(first->usage.completion_tokens > 0);
    REQUIRE(first->usage.completion_tokens <= 16);
    REQUIRE((first->finish_reason == "length") == (first->usage.completion_tokens == 16));
    REQUIRE(first->stop_sequence.empty());
    // Only the prefix cache still holds KV; emptied, every block is free.
    backend->engine().prefix_cache()->clear();
    REQUIRE(backend->engine().pool().used_blocks() == 0);
}

TEST_CASE("the local backend stops at max_tokens with finish_reason length and at stop strings",
          "[backends_local][local_backend]") {
    asio::io_context io;
    auto backend = open_backend(io);
    // Find a prompt whose greedy continuation runs 24 tokens without an end token.
    std::optional<Completion> full;
    std::string prompt;
    for (int i = 0; i < 20 && !full; ++i) {
        prompt = "where " + std::to_string(i);
        auto c = complete(io, *backend, greedy(prompt, 24));
        REQUIRE(c.has_value());
        if (c->finish_reason == "length" && c->text.size() >= 8) full = *c;
    }
    REQUIRE(full.has_value());
    REQUIRE(full->usage.completion_tokens == 24);

    auto capped = complete(io, *backend, greedy(prompt, 5));
    REQUIRE(capped.has_value());
    REQUIRE(capped->finish_reason == "length");
    REQUIRE(capped->usage.completion_tokens == 5);
    REQUIRE(full->text.rfind(capped->text, 0) == 0);

    std::string stop = full->text.substr(full->text.size() / 2, 3);
    auto request = greedy(prompt, 24);
    request.sampling.stop = {stop};
    std::string streamed;
    auto stopped = complete(io, *backend, request, &streamed);
    REQUIRE(stopped.has_value());
    REQUIRE(stopped->finish_reason == "stop");
    REQUIRE(stopped->stop_sequence == stop);
    REQUIRE(stopped->text == full->text.substr(0, full->text.find(stop)));
    REQUIRE(capped->stop_sequence.empty());
    REQUIRE(streamed == stopped->text);
}

TEST_CASE("the local backend renders chat requests with the model's template",
          "[backends_local][local_backend]") {
    asio::io_context io;
    auto backend = open_backend(io, "qwen2.gguf");
    CompletionRequest r = greedy("", 6);
    r.messages = {braid::Message(braid::Role::user, "hello there")};
    auto ids = backend->prompt_tokens(r);
    REQUIRE(ids.has_value());
    const auto& tok = backend->engine().tokenizer();
    REQUIRE(tok.decode(*ids, {.render_special = true}).find("<|im_start|>assistant\n") !=
            std::string::npos);
    r.sampling.top_logprobs = 2;
    auto c = complete(io, *backend, r);
    REQUIRE(c.has_value());
    REQUIRE(c->usage.prompt_tokens == static_cast<std::int64_t>(ids->size()));
    REQUIRE(c->logprobs.size() == static_cast<std::size_t>(c->usage.completion_tokens));
    REQUIRE(c->logprobs[0].top.size() == 2);
    REQUIRE(c->logprobs[0].logprob <= 0);
}

TEST_CASE("cancelling a local completion stops it and frees its blocks",
          "[backends_local][local_backend]") {
    asio::io_context io;
    auto backend = open_backend(io);
    asio::cancellation_signal signal;
    std::optional<braid::Result<Completion>> outcome;
    std::size_t chunks = 0;
    braid::backends::ChunkSink sink = [&](std::string_view) {
        if (++chunks == 2) signal.emit(asio::cancellation_type::terminal);
    };
    auto request = greedy("the cat", 400);
    asio::co_spawn(io, backend->complete(request, sink),
                   asio::bind_cancellation_slot(
                       signal.slot(), [&](std::exception_ptr, braid::Result<Completion> r) {
                           outcome.emplace(std::move(r));
                       }));
    io.run();
    REQUIRE(outcome.has_value());
    REQUIRE_FALSE(outcome->has_value());
    REQUIRE(outcome->error().code == braid::ErrorCode::cancelled);
    REQUIRE(chunks == 2);
    backend->engine().prefix_cache()->clear();  // the prompt's KV was cached before decoding
    REQUIRE(backend->engine().pool().used_blocks() == 0);
}
