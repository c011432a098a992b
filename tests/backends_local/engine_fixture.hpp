#pragma once
// A tiny real model (tiny_models.py "llama" GGUF) with its forward pass, a KV pool of a chosen
// size and a Scheduler on an io_context: the shared setup of the engine runtime tests.

#include <memory>
#include <vector>

#include <asio/io_context.hpp>

#include "backends/local/engine/scheduler.hpp"
#include "backends/local/model/model_loader.hpp"
#include "core/async.hpp"
#include "tests/backends_local/tiny_model_files.hpp"

namespace braid::test {

struct TinyEngine {
    explicit TinyEngine(std::size_t n_blocks, std::size_t chunk_tokens = 256)
        : model(load()),
          tokenizer(make_tokenizer(model)),
          threads(1),
          forward(model.weights, &threads),
          pool(forward.kv_layout(), n_blocks),
          scheduler(forward, pool, tokenizer, io.get_executor(),
                    backends::local::SchedulerOptions{chunk_tokens}) {}

    static backends::local::LoadedModel load() {
        auto m = backends::local::load_model(tiny_model_dir() / "llama.gguf");
        REQUIRE(m.has_value());
        return std::move(*m);
    }
    static backends::local::Tokenizer make_tokenizer(const backends::local::LoadedModel& m) {
        auto t = backends::local::Tokenizer::create(*m.tokenizer);
        REQUIRE(t.has_value());
        return std::move(*t);
    }

    // A greedy request of `max_tokens` that ignores end tokens (fixed lengths for comparisons).
    static backends::local::GenerateRequest greedy(std::vector<std::int32_t> prompt,
                                                   std::int64_t max_tokens) {
        backends::local::GenerateRequest r;
        r.prompt = std::move(prompt);
        r.pick = backends::local::greedy_picker();
        r.max_tokens = max_tokens;
        r.stop_at_end_of_generation = false;
        return r;
    }

    // Runs the requests concurrently; returns each one's generated tokens.
    std::vector<std::vector<std::int32_t>> run_all(
        std::vector<backends::local::GenerateRequest> requests) {
        std::vector<asio::awaitable<std::vector<std::int32_t>>> children;
        for (auto& r : requests) {
            children.push_back(
                [](backends::local::Scheduler* s, backends::local::GenerateRequest req)
                    -> asio::awaitable<std::vector<std::int32_t>> {
                    auto done = co_await s->generate(std::move(req));
                    REQUIRE(done.has_value());
                    co_return done->tokens;
                }(&scheduler, std::move(r)));
        }
        return async::run_sync(io, async::when_all(std::move(children)));
    }

    asio::io_context io;
    backends::local::LoadedModel model;
    backends::local::Tokenizer tokenizer;
    backends::local::ThreadPool threads;
    backends::local::Forward forward;
    backends::local::BlockPool pool;
    backends::local::Scheduler scheduler;
};

// Distinct prompts of `length` tokens (byte tokens of varied text).
inline std::vector<std::int32_t> prompt_of(const backends::local::Tokenizer& tokenizer, int index,
                                           std::size_t length) {
    std::string text;
    while (text.size() < length * 2)
        text += "the cat " + std::to_string(index * 7919) + " sat on where ";
    auto ids = tokenizer.encode(text);
    REQUIRE(ids.size() >= length);
    ids.resize(length);
    return ids;
}

}  // namespace braid::test
