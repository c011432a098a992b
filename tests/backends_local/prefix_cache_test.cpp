// The prefix cache of LocalBackend on a tiny real model: bit-identical results with and without
// it (greedy and seeded sampling, logprobs included), one prefill for concurrent requests with one
// prompt, and eviction when the pool is short.
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

std::unique_ptr<local::LocalBackend> open_backend(asio::io_context& io, bool cache,
                                                  std::size_t kv_blocks = 256) {
    local::EngineOptions options{.threads = 1, .kv_blocks = kv_blocks};
    options.prefix_cache = cache;
    auto backend = local::LocalBackend::open(braid::test::tiny_model_dir() / "llama.gguf", options,
                                             io.get_executor());
    REQUIRE(backend.has_value());
    return std::move(*backend);
}

CompletionRequest request(std::string prompt, double temperature, std::uint64_t seed,
                          std::int64_t max_tokens = 16) {
    CompletionRequest r;
    r.prompt = std::move(prompt);
    r.sampling.temperature = temperature;
    r.sampling.seed = seed;
    r.sampling.max_tokens = max_tokens;
    r.sampling.top_logprobs = 2;
    return r;
}

// Runs the requests concurrently on one backend.
std::vector<braid::Result<Completion>> run_all(asio::io_context& io, local::LocalBackend& backend,
                                               const std::vector<CompletionRequest>& requests) {
    std::vector<asio::awaitable<braid::Result<Completion>>> calls;
    for (const auto& r : requests) calls.push_back(backend.complete(r, nullptr));
    return braid::async::run_sync(io, braid::async::when_all(std::move(calls)));
}

void require_identical(const braid::Result<Completion>& a, const braid::Result<Completion>& b) {
    REQUIRE((a.has_value() && b.has_value()));
    REQUIRE(a->text == b->text);
    REQUIRE(a->finish_reason == b->finish_reason);
    REQUIRE(a->usage.prompt_tokens == b->usage.prompt_tokens);
    REQUIRE(a->usage.completion_tokens == b->usage.completion_tokens);
    REQUIRE(a->logprobs.size() == b->logprobs.size());
    for (std::size_t i = 0; i < a->logprobs.size(); ++i) {
        REQUIRE(a->logprobs[i].token == b->logprobs[i].token);
        REQUIRE(a->logprobs[i].logprob == b->logprobs[i].logprob);  // bit-identical
        REQUIRE(a->logprobs[i].top == b->logprobs[i].top);
    }
}

const std::string story =
    "the cat sat on the mat where the dog 17 sat on the cat where 3 cats sat on 4 mats "
    "and the dog sat where the cat 2 sat on the mat";

}  // namespace

TEST_CASE("the prefix cache gives the same tokens and logprobs as prefilling everything",
          "[backends_local][prefix_cache]") {
    asio::io_context io;
    auto cached = open_backend(io, true);
    auto plain = open_backend(io, false);
    // A conversation of requests re-sending earlier context, greedy and seeded, one at a time.
    std::vector<CompletionRequest> steps = {request(story, 0, 0), request(story + " and", 0, 0),
                                            request(story, 0.9, 11), request(story, 0.9, 12)};
    for (std::size_t i = 0; i < steps.size(); ++i) {
        INFO("step " << i);
        auto a = run_all(io, *cached, {steps[i]});
        auto b = run_all(io, *plain, {steps[i]});
        require_identical(a[0], b[0]);
        // An APR-style continuation: the parent's prompt and generated text, then more.
        CompletionRequest next = request(steps[i].prompt + a[0]->text + " where", 0.7, 5 + i);
        require_identical(run_all(io, *cached, {next})[0], run_all(io, *plain, {next})[0]);
    }
    auto* cache = cached->engine().prefix_cache();
    REQUIRE(cache != nullptr);
    REQUIRE(cache->stats().hits > 0);
    REQUIRE(cached->engine().scheduler().stats().prefill_rows <
            plain->engine().scheduler().stats().prefill_rows);
    // A request that re-sends a cached context reports the re-used tokens.
    auto again = run_all(io, *cached, {request(story + " and", 0, 0)});
    REQUIRE(again[0].has_value());
    REQUIRE(again[0]->usage.cached_prompt_tokens == again[0]->usage.prompt_tokens - 1);
}

TEST_CASE("concurrent samples of one prompt prefill it once and match uncached samples",
          "[backends_local][prefix_cache]") {
    asio::io_context io;
    auto cached = open_backend(io, true);
    auto plain = open_backend(io, false);
    std::vector<CompletionRequest> samples;
    for (std::uint64_t seed = 1; seed <= 4; ++seed) samples.push_back(request(story, 1.0, seed));
    auto a = run_all(io, *cached, samples);
    auto b = run_all(io, *plain, samples);
    for (std::size_t i = 0; i < samples.size(); ++i) require_identical(a[i], b[i]);
    const auto n_prompt = static_cast<std::uint64_t>(a[0]->usage.prompt_tokens);
    // The prompt but its last token once, then each sample's last prompt token.
    REQUIRE(cached->engine().scheduler().stats().prefill_rows == n_prompt - 1 + samples.size());
    REQUIRE(plain->engine().scheduler().stats().prefill_rows == n_prompt * samples.size());
    for (std::size_t i = 1; i < samples.size(); ++i)
        REQUIRE(a[i]->usage.cached_prompt_tokens == a[i]->usage.prompt_tokens - 1);
}

TEST_CASE("cached entries are evicted when the pool is short, so no live request fails",
          "[backends_local][prefix_cache]") {
    asio::io_context io;
    std::string longer = story + " " + story + " " + story;
    std::vector<CompletionRequest> big = {request(longer, 0.8, 1, 24),
                                          request("on " + longer, 0.8, 2, 24)};
    std::size_t n_long = open_backend(io, false)->prompt_tokens(big[1]).value().size();
    // Room for the two long requests side by side, and little more.
    const std::size_t blocks = 2 * ((n_long + 24) / 16 + 1) + 2;
    auto cached = open_backend(io, true, blocks);
    auto plain = open_backend(io, false, blocks);
    // Fill the cache with unrelated contexts.
    for (int i = 0; i < 6; ++i) {
        auto r = request("where " + std::to_string(i * 7919) + " " + story, 0, 0, 8);
        require_identical(run_all(io, *cached, {r})[0], run_all(io, *plain, {r})[0]);
    }
    REQUIRE(cached->engine().prefix_cache()->size() > 0);
    // Two concurrent long requests need nearly the whole pool.
    auto a = run_all(io, *cached, big);
    auto b = run_all(io, *plain, big);
    for (std::size_t i = 0; i < big.size(); ++i) require_identical(a[i], b[i]);
    REQUIRE(cached->engine().prefix_cache()->stats().evictions > 0);
}

TEST_CASE("switching the prefix cache off leaves no KV behind", "[backends_local][prefix_cache]") {
    asio::io_context io;
    auto plain = open_backend(io, false);
    REQUIRE(plain->engine().prefix_cache() == nullptr);
    auto done = run_all(io, *plain, {request(story, 0, 0)});
    REQUIRE(done[0].has_value());
    REQUIRE(done[0]->usage.cached_prompt_tokens == 0);
    REQUIRE(plain->engine().pool().used_blocks() == 0);
}

TEST_CASE("a request waiting on a prefill that gets cancelled prefills for itself",
          "[backends_local][prefix_cache]") {
    asio::io_context io;
    // Small steps, so that the prefill is still running when the cancellation arrives (co_spawn
    // delivers a cancellation emitted outside the io_context as a posted handler).
    auto opened = local::LocalBackend::open(
        braid::test::tiny_model_dir() / "llama.gguf",
        local::EngineOptions{.threads = 1, .kv_blocks = 256, .chunk_tokens = 8}, io.get_executor());
    REQUIRE(opened.has_value());
    auto& cached = *opened;
    auto plain = open_backend(io, false);
    asio::cancellation_signal signal;
    std::optional<braid::Result<Completion>> first, second;
    asio::co_spawn(io, cached->complete(request(story, 0.9, 3), nullptr),
                   asio::bind_cancellation_slot(
                       signal.slot(), [&](std::exception_ptr, braid::Result<Completion> r) {
                           first.emplace(std::move(r));
                       }));
    asio::co_spawn(
        io, cached->complete(request(story, 0.9, 4), nullptr),
        [&](std::exception_ptr, braid::Result<Completion> r) { second.emplace(std::move(r)); });
    // Both start (the first prefills, the second waits for it) and one prefill step runs.
    for (int i = 0; i < 3; ++i) REQUIRE(io.run_one() > 0);
    REQUIRE(cached->engine().scheduler().stats().steps == 1);
    signal.emit(asio::cancellation_type::terminal);
    io.run();
    REQUIRE((first.has_value() && second.has_value()));
    REQUIRE_FALSE(first->has_value());
    REQUIRE(first->error().code == braid::ErrorCode::cancelled);
    require_identical(*second, run_all(io, *plain, {request(story, 0.9, 4)})[0]);
    REQUIRE((*second)->usage.cached_prompt_tokens == 0);  // it prefilled the prompt itself
}
