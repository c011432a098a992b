// Engine sessions on a tiny real model: prefill, fork (shared blocks), decode, merge.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include "backends/local/engine/engine.hpp"
#include "core/async.hpp"
#include "tests/backends_local/engine_fixture.hpp"

namespace local = braid::backends::local;

namespace {
std::unique_ptr<local::Engine> open_engine(asio::io_context& io) {
    auto engine =
        local::Engine::open(braid::test::tiny_model_dir() / "llama.gguf",
                            local::EngineOptions{.threads = 1, .kv_blocks = 64}, io.get_executor());
    REQUIRE(engine.has_value());
    return std::move(*engine);
}
// run_sync for results without a default constructor (co_spawn's handler needs one).
template <class T>
braid::Result<T> run(asio::io_context& io, asio::awaitable<braid::Result<T>> op) {
    auto wrapped = [](asio::awaitable<braid::Result<T>> o)
        -> asio::awaitable<std::optional<braid::Result<T>>> { co_return co_await std::move(o); };
    return std::move(*braid::async::run_sync(io, wrapped(std::move(op))));
}
local::DecodeRequest greedy(std::int64_t max_tokens) {
    local::DecodeRequest r;
    r.max_tokens = max_tokens;
    return r;
}
}  // namespace

TEST_CASE("a fork after prefill shares the prompt's blocks and continues like a fresh prefill",
          "[backends_local][engine]") {
    asio::io_context io;
    auto engine = open_engine(io);
    auto prompt = braid::test::prompt_of(engine->tokenizer(), 5, 40);

    auto root = run(io, engine->prefill(prompt));
    REQUIRE(root.has_value());
    REQUIRE(root->cached_tokens() == 39);  // the last prompt token stays pending
    std::size_t used = engine->pool().used_blocks();
    REQUIRE(used == 3);
    local::Session child = engine->fork(*root);
    REQUIRE(engine->pool().used_blocks() == used);  // fork allocates nothing

    auto forked = run(io, engine->decode(std::move(child), greedy(12)));
    REQUIRE(forked.has_value());

    asio::io_context io2;
    auto fresh_engine = open_engine(io2);
    auto fresh_root = run(io2, fresh_engine->prefill(prompt));
    REQUIRE(fresh_root.has_value());
    auto fresh = run(io2, fresh_engine->decode(std::move(*fresh_root), greedy(12)));
    REQUIRE(fresh.has_value());
    REQUIRE(forked->tokens == fresh->tokens);
    REQUIRE(forked->text == fresh->text);

    // The root is untouched by its child's decode: decoding it again gives the same tokens.
    auto again = run(io, engine->decode(std::move(*root), greedy(12)));
    REQUIRE(again.has_value());
    REQUIRE(again->tokens == fresh->tokens);
}

TEST_CASE("sessions free their blocks when destroyed and merge paths forked with new_segment",
          "[backends_local][engine]") {
    asio::io_context io;
    auto engine = open_engine(io);
    {
        auto root = run(io, engine->prefill(braid::test::prompt_of(engine->tokenizer(), 1, 20)));
        REQUIRE(root.has_value());
        local::Session a = engine->fork(*root, local::ForkMode::new_segment);
        local::Session b = engine->fork(*root, local::ForkMode::new_segment);
        auto da = run(io, engine->decode(std::move(a), greedy(5)));
        auto db = run(io, engine->decode(std::move(b), greedy(7)));
        REQUIRE((da.has_value() && db.has_value()));
        const local::Session* parents[] = {&*root, &da->session, &db->session};
        auto merged = engine->merge(parents);
        REQUIRE(merged.has_value());
        // prefix (19 cached) + path a (1 pending root token + 4) + path b (1 + 6)
        REQUIRE(merged->cached_tokens() == 19 + 5 + 7);
        REQUIRE(merged->pending().empty());
        REQUIRE(engine->pool().used_blocks() > 0);
    }
    REQUIRE(engine->pool().used_blocks() == 0);
}

TEST_CASE("Engine::open reports a missing model file", "[backends_local][engine]") {
    asio::io_context io;
    auto engine = local::Engine::open("/nonexistent/model.gguf", {}, io.get_executor());
    REQUIRE_FALSE(engine.has_value());
    REQUIRE(engine.error().code == braid::ErrorCode::not_found);
}
