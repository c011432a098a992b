// CompletionRequest::layout on LocalBackend: the Multiverse reduce gives exactly the tokens of the
// same reduce done by hand with Engine prefill/fork/decode/merge; path KV re-used from the prefix
// cache changes nothing; bad layouts are invalid_input.
#include <catch2/catch.hpp>

#include <asio/io_context.hpp>

#include "backends/local/engine/local_backend.hpp"
#include "core/async.hpp"
#include "tests/backends_local/tiny_model_files.hpp"

namespace local = braid::backends::local;
using braid::backends::Completion;
using braid::backends::CompletionRequest;
using braid::backends::ParallelLayout;

namespace {

std::unique_ptr<local::LocalBackend> open_backend(asio::io_context& io, bool cache) {
    local::EngineOptions options{.threads = 1, .kv_blocks = 128};
    options.prefix_cache = cache;
    auto backend = local::LocalBackend::open(braid::test::tiny_model_dir() / "llama.gguf", options,
                                             io.get_executor());
    REQUIRE(backend.has_value());
    return std::move(*backend);
}

template <class T>
braid::Result<T> run(asio::io_context& io, asio::awaitable<braid::Result<T>> op) {
    auto wrapped = [](asio::awaitable<braid::Result<T>> o)
        -> asio::awaitable<std::optional<braid::Result<T>>> { co_return co_await std::move(o); };
    return std::move(*braid::async::run_sync(io, wrapped(std::move(op))));
}

const std::string prefix = "the cat sat on the mat where the dog";
const std::vector<std::string> paths = {" sat on 3 mats where", " 17 cats sat on the dog",
                                        " where 2"};
const std::string suffix = " and the cat";
constexpr std::int64_t max_tokens = 12;

CompletionRequest layout_request() {
    CompletionRequest r;
    r.prompt = prefix;
    ParallelLayout layout;
    layout.prefix_chars = prefix.size();
    for (const auto& p : paths) {
        r.prompt += p;
        layout.path_chars.push_back(p.size());
    }
    r.prompt += suffix;
    r.layout = layout;
    r.sampling.temperature = 0;
    r.sampling.max_tokens = max_tokens;
    return r;
}

std::vector<std::int32_t> continuation(const local::Tokenizer& tokenizer, const std::string& s) {
    return tokenizer.encode(s, local::EncodeOptions{.add_special = false, .parse_special = false});
}

// The reduce by hand: the prefix's KV, each path forked with new_segment and fed, merged, then the
// suffix fed and the continuation decoded greedily.
local::Decoded reduce_by_hand(asio::io_context& io, local::Engine& engine) {
    const local::Tokenizer& tok = engine.tokenizer();
    auto root = run(io, engine.prefill(tok.encode(prefix)));
    REQUIRE(root.has_value());
    local::DecodeRequest flush;  // feeds the pending last prefix token, generates nothing
    flush.max_tokens = 0;
    auto full = run(io, engine.decode(std::move(*root), flush));
    REQUIRE(full.has_value());
    std::vector<local::Session> fed;
    for (const auto& p : paths) {
        local::DecodeRequest feed;
        feed.prompt = continuation(tok, p);
        feed.max_tokens = 0;
        auto path =
            run(io, engine.decode(engine.fork(full->session, local::ForkMode::new_segment), feed));
        REQUIRE(path.has_value());
        fed.push_back(std::move(path->session));
    }
    std::vector<const local::Session*> parents;
    for (const auto& s : fed) parents.push_back(&s);
    auto merged = engine.merge(parents);
    REQUIRE(merged.has_value());
    local::DecodeRequest decode;
    decode.prompt = continuation(tok, suffix);
    decode.max_tokens = max_tokens;
    auto out = run(io, engine.decode(std::move(*merged), decode));
    REQUIRE(out.has_value());
    return std::move(*out);
}

}  // namespace

TEST_CASE("a layout request decodes exactly what the same reduce by hand does",
          "[backends_local][layout]") {
    asio::io_context io;
    auto hand_backend = open_backend(io, false);
    local::Decoded expected = reduce_by_hand(io, hand_backend->engine());
    REQUIRE(!expected.tokens.empty());

    for (bool cache : {false, true}) {
        INFO("prefix cache " << cache);
        auto backend = open_backend(io, cache);
        auto done = run(io, backend->complete(layout_request(), nullptr));
        REQUIRE(done.has_value());
        CHECK(done->text == expected.text);
        CHECK(done->usage.completion_tokens == static_cast<std::int64_t>(expected.tokens.size()));
        const auto& tok = backend->engine().tokenizer();
        std::size_t n_prompt = tok.encode(prefix).size() + continuation(tok, suffix).size();
        for (const auto& p : paths) n_prompt += continuation(tok, p).size();
        CHECK(done->usage.prompt_tokens == static_cast<std::int64_t>(n_prompt));
        // The same request again: the prefix now comes from the cache, the tokens do not change.
        auto again = run(io, backend->complete(layout_request(), nullptr));
        REQUIRE(again.has_value());
        CHECK(again->text == expected.text);
        CHECK((again->usage.cached_prompt_tokens > 0) == cache);
    }
}

TEST_CASE("path KV generated by a path's own thread is re-used from the cache, unchanged",
          "[backends_local][layout]") {
    asio::io_context io;
    auto hand_backend = open_backend(io, false);
    local::Decoded expected = reduce_by_hand(io, hand_backend->engine());

    auto backend = open_backend(io, true);
    local::Engine& engine = backend->engine();
    const auto& tok = engine.tokenizer();
    // What a path's thread leaves in the cache: the prefix and its path as one linear context.
    std::vector<std::int32_t> thread = tok.encode(prefix);
    const std::size_t n_prefix = thread.size();
    auto path0 = continuation(tok, paths[0]);
    thread.insert(thread.end(), path0.begin(), path0.end());
    auto root = run(io, engine.prefill(thread));
    REQUIRE(root.has_value());
    local::DecodeRequest flush;
    flush.max_tokens = 0;
    auto full = run(io, engine.decode(std::move(*root), flush));
    REQUIRE(full.has_value());
    engine.prefix_cache()->insert(full->session.sequence());

    auto before = engine.scheduler().stats().prefill_rows;
    auto done = run(io, backend->complete(layout_request(), nullptr));
    REQUIRE(done.has_value());
    CHECK(done->text == expected.text);
    CHECK(done->usage.cached_prompt_tokens == static_cast<std::int64_t>(n_prefix + path0.size()));
    std::size_t rest = continuation(tok, suffix).size();
    for (std::size_t i = 1; i < paths.size(); ++i) rest += continuation(tok, paths[i]).size();
    CHECK(engine.scheduler().stats().prefill_rows - before == rest);  // nothing else recomputed
}

TEST_CASE("bad layouts are invalid input", "[backends_local][layout]") {
    asio::io_context io;
    auto backend = open_backend(io, true);
    auto expect_invalid = [&](CompletionRequest r, const char* what) {
        INFO(what);
        auto done = run(io, backend->complete(std::move(r), nullptr));
        REQUIRE_FALSE(done.has_value());
        CHECK(done.error().code == braid::ErrorCode::invalid_input);
    };
    auto one_path = layout_request();
    one_path.layout->path_chars.resize(1);
    expect_invalid(one_path, "one path");
    auto past_end = layout_request();
    past_end.layout->path_chars.back() += 1000;
    expect_invalid(past_end, "paths past the end");
    auto long_prefix = layout_request();
    long_prefix.layout->prefix_chars = long_prefix.prompt.size() + 1;
    expect_invalid(long_prefix, "prefix past the end");
    auto no_suffix = layout_request();
    no_suffix.prompt.resize(no_suffix.prompt.size() - suffix.size());
    expect_invalid(no_suffix, "no suffix");
    auto chat = layout_request();
    chat.messages = {braid::Message(braid::Role::user, "hi")};
    expect_invalid(chat, "chat messages");
    auto empty_path = layout_request();
    empty_path.layout->path_chars.insert(empty_path.layout->path_chars.begin(), 0);
    expect_invalid(empty_path, "an empty path");
}
