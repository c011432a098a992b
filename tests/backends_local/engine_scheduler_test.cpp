// Scheduler on a tiny real model: batching, chunked prefill, preemption and cancellation must not
// change what any sequence generates (greedy).
#include <catch2/catch.hpp>

#include "tests/backends_local/engine_fixture.hpp"

using braid::test::prompt_of;
using braid::test::TinyEngine;
namespace local = braid::backends::local;

namespace {
std::vector<std::int32_t> alone(const std::vector<std::int32_t>& prompt, std::int64_t max_tokens,
                                std::size_t chunk_tokens = 256) {
    TinyEngine e(64, chunk_tokens);
    std::vector<local::GenerateRequest> one;
    one.push_back(TinyEngine::greedy(prompt, max_tokens));
    return e.run_all(std::move(one))[0];
}
}  // namespace

TEST_CASE("many concurrent sequences generate exactly what each generates alone",
          "[backends_local][scheduler]") {
    TinyEngine e(64);
    std::vector<std::vector<std::int32_t>> prompts;
    std::vector<local::GenerateRequest> requests;
    for (int i = 0; i < 6; ++i) {
        prompts.push_back(prompt_of(e.tokenizer, i, 5 + 4 * static_cast<std::size_t>(i)));
        requests.push_back(TinyEngine::greedy(prompts.back(), 10 + i));
    }
    auto together = e.run_all(std::move(requests));
    for (int i = 0; i < 6; ++i) {
        auto u = static_cast<std::size_t>(i);
        REQUIRE(together[u].size() == static_cast<std::size_t>(10 + i));
        REQUIRE(together[u] == alone(prompts[u], 10 + i));
    }
    REQUIRE(e.pool.free_blocks() == e.pool.n_blocks());
    REQUIRE(e.scheduler.stats().steps < 60);  // batched: far fewer steps than the 81 rows' tokens
}

TEST_CASE("a pool too small for every sequence preempts and still gives identical results",
          "[backends_local][scheduler]") {
    TinyEngine e(7);  // 16-token blocks: one 50-token sequence needs 4
    std::vector<std::vector<std::int32_t>> prompts;
    std::vector<local::GenerateRequest> requests;
    for (int i = 0; i < 4; ++i) {
        prompts.push_back(prompt_of(e.tokenizer, i, 20));
        requests.push_back(TinyEngine::greedy(prompts.back(), 30));
    }
    auto together = e.run_all(std::move(requests));
    REQUIRE(e.scheduler.stats().preemptions > 0);
    for (std::size_t i = 0; i < 4; ++i) REQUIRE(together[i] == alone(prompts[i], 30));
    REQUIRE(e.pool.free_blocks() == e.pool.n_blocks());
}

TEST_CASE("chunked prefill gives the same tokens as an unchunked one",
          "[backends_local][scheduler]") {
    TinyEngine e(64);
    auto prompt = prompt_of(e.tokenizer, 3, 45);
    REQUIRE(alone(prompt, 12, 4) == alone(prompt, 12, 256));
    REQUIRE(alone(prompt, 12, 7) == alone(prompt, 12, 256));
}

TEST_CASE("cancelling a sequence frees its blocks at once", "[backends_local][scheduler]") {
    TinyEngine e(16);
    std::optional<braid::Result<local::GenerateResult>> outcome;
    auto id = e.scheduler.next_id();
    auto run =
        [](local::Scheduler* s,
           local::GenerateRequest r) -> asio::awaitable<braid::Result<local::GenerateResult>> {
        co_return co_await s->generate(std::move(r));
    };
    asio::co_spawn(e.io, run(&e.scheduler, TinyEngine::greedy(prompt_of(e.tokenizer, 1, 30), 500)),
                   [&](std::exception_ptr, braid::Result<local::GenerateResult> r) {
                       outcome.emplace(std::move(r));
                   });
    while (e.pool.used_blocks() < 3) REQUIRE(e.io.run_one() > 0);  // prefilled and decoding
    REQUIRE(e.scheduler.stats().running == 1);
    e.scheduler.cancel(id);
    REQUIRE(e.pool.free_blocks() == e.pool.n_blocks());
    REQUIRE(e.scheduler.stats().running == 0);
    e.io.run();
    REQUIRE(outcome.has_value());
    REQUIRE_FALSE(outcome->has_value());
    REQUIRE(outcome->error().code == braid::ErrorCode::cancelled);
}

TEST_CASE("a sequence that cannot fit even alone fails with budget_exhausted",
          "[backends_local][scheduler]") {
    TinyEngine e(2);
    std::optional<braid::Result<local::GenerateResult>> outcome;
    auto run =
        [](local::Scheduler* s,
           local::GenerateRequest r) -> asio::awaitable<braid::Result<local::GenerateResult>> {
        co_return co_await s->generate(std::move(r));
    };
    asio::co_spawn(e.io, run(&e.scheduler, TinyEngine::greedy(prompt_of(e.tokenizer, 2, 40), 4)),
                   [&](std::exception_ptr, braid::Result<local::GenerateResult> r) {
                       outcome.emplace(std::move(r));
                   });
    e.io.run();
    REQUIRE(outcome.has_value());
    REQUIRE_FALSE(outcome->has_value());
    REQUIRE(outcome->error().code == braid::ErrorCode::budget_exhausted);
    REQUIRE(e.pool.free_blocks() == e.pool.n_blocks());
}

TEST_CASE("seeded sampling gives the same tokens batched with others as alone",
          "[backends_local][scheduler]") {
    auto sampled = [](std::vector<std::int32_t> prompt) {
        local::GenerateRequest r = TinyEngine::greedy(std::move(prompt), 15);
        local::SamplingConfig config;
        config.temperature = 0.9f;
        config.top_p = 0.95f;
        config.seed = 42;
        r.pick = local::sampler_picker(config);
        return r;
    };
    TinyEngine e(64, 8);
    auto prompt = prompt_of(e.tokenizer, 4, 12);
    std::vector<local::GenerateRequest> requests;
    requests.push_back(sampled(prompt));
    for (int i = 0; i < 3; ++i)
        requests.push_back(TinyEngine::greedy(prompt_of(e.tokenizer, 10 + i, 30), 15));
    auto together = e.run_all(std::move(requests));

    TinyEngine solo(64);
    std::vector<local::GenerateRequest> one;
    one.push_back(sampled(prompt));
    REQUIRE(together[0] == solo.run_all(std::move(one))[0]);
}
