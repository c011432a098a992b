#include <catch2/catch.hpp>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "backends/scripted/scripted_backend.hpp"
#include "core/async.hpp"

using namespace braid;
using namespace braid::backends;

namespace {

CompletionRequest asking(std::string prompt, int top_logprobs) {
    CompletionRequest r;
    r.prompt = std::move(prompt);
    r.sampling.top_logprobs = top_logprobs;
    return r;
}

std::unique_ptr<ScriptedBackend> script(const char* json_text) {
    auto backend = ScriptedBackend::from_json(nlohmann::json::parse(json_text));
    REQUIRE(backend.has_value());
    return std::move(*backend);
}

}  // namespace

TEST_CASE("a scripted reply's logprob goes to every streamed token when logprobs are asked for",
          "[backends][scripted]") {
    asio::io_context io;
    auto backend = script(R"({"default": {"text": "The answer is 42.\nDone", "logprob": -0.25}})");
    auto c = async::run_sync(io, backend->complete(asking("q", 0), nullptr));
    REQUIRE(c.has_value());
    // The estimated tokens: The, answer, is, 42, ".", Done; each keeps the spaces before it.
    REQUIRE(c->logprobs.size() == 6);
    CHECK(static_cast<std::int64_t>(c->logprobs.size()) == c->usage.completion_tokens);
    std::string joined;
    for (const TokenLogprob& t : c->logprobs) {
        CHECK(t.logprob == -0.25);
        CHECK(t.top.empty());
        joined += t.token;
    }
    CHECK(joined == c->text);
    CHECK(c->logprobs[1].token == " answer");
    CHECK(c->logprobs[3].token == " 42");
    CHECK(c->logprobs[5].token == "\nDone");
}

TEST_CASE("scripted logprobs cover only the text left after stop strings and the token cap",
          "[backends][scripted]") {
    asio::io_context io;
    auto backend = script(R"({"default": {"text": "one two three four", "logprob": -1}})");
    CompletionRequest r = asking("q", 0);
    r.sampling.stop = {" three"};
    auto c = async::run_sync(io, backend->complete(r, nullptr));
    REQUIRE(c.has_value());
    CHECK(c->text == "one two");
    CHECK(c->logprobs.size() == 2);
}

TEST_CASE("a scripted reply's top_logprobs are the first token's alternatives, most likely first",
          "[backends][scripted]") {
    asio::io_context io;
    auto backend = script(
        R"({"default": {"text": " Yes", "top_logprobs": {"No": -2.4, "Yes": -0.1, "Maybe": -3.0}}})");

    auto five = async::run_sync(io, backend->complete(asking("q", 5), nullptr));
    REQUIRE(five.has_value());
    REQUIRE(five->logprobs.size() == 1);
    const TokenLogprob& first = five->logprobs.front();
    CHECK(first.token == " Yes");
    CHECK(first.logprob == -0.1);  // its own entry among the alternatives ("Yes", spaces ignored)
    REQUIRE(first.top.size() == 3);
    CHECK(first.top[0] == std::pair<std::string, double>{"Yes", -0.1});
    CHECK(first.top[1] == std::pair<std::string, double>{"No", -2.4});
    CHECK(first.top[2] == std::pair<std::string, double>{"Maybe", -3.0});

    auto two = async::run_sync(io, backend->complete(asking("q", 2), nullptr));
    REQUIRE(two.has_value());
    CHECK(two->logprobs.front().top.size() == 2);

    auto none = async::run_sync(io, backend->complete(asking("q", 0), nullptr));
    REQUIRE(none.has_value());
    REQUIRE(none->logprobs.size() == 1);
    CHECK(none->logprobs.front().top.empty());
    CHECK(none->logprobs.front().logprob == -0.1);
}

TEST_CASE("the scripted backend returns logprobs only when asked and only when the reply has them",
          "[backends][scripted]") {
    asio::io_context io;
    auto with = script(R"({"default": {"text": "a b", "logprob": -0.5}})");
    auto not_asked = async::run_sync(io, with->complete(asking("q", -1), nullptr));
    REQUIRE(not_asked.has_value());
    CHECK(not_asked->text == "a b");
    CHECK(not_asked->logprobs.empty());

    auto without = script(R"({"default": {"text": "a b"}})");
    auto asked = async::run_sync(io, without->complete(asking("q", 5), nullptr));
    REQUIRE(asked.has_value());
    CHECK(asked->logprobs.empty());

    // A program sets the fields directly.
    ScriptedReply reply{"x y z", {}, {}};
    reply.logprob = -2.0;
    auto canned = ScriptedBackend::canned({reply});
    auto c = async::run_sync(io, canned->complete(asking("q", 0), nullptr));
    REQUIRE(c.has_value());
    CHECK(c->logprobs.size() == 3);
    CHECK(c->logprobs[2].logprob == -2.0);
}

TEST_CASE("malformed scripted logprob fields are rejected naming the field", "[backends][scripted]") {
    auto bad_logprob = ScriptedBackend::from_json(nlohmann::json::parse(R"({"default": {"logprob": "x"}})"));
    REQUIRE_FALSE(bad_logprob.has_value());
    CHECK(bad_logprob.error().message.find("default.logprob") != std::string::npos);

    auto bad_top = ScriptedBackend::from_json(
        nlohmann::json::parse(R"({"replies": [{"match": "a", "top_logprobs": [-1]}]})"));
    REQUIRE_FALSE(bad_top.has_value());
    CHECK(bad_top.error().message.find("replies[0].top_logprobs") != std::string::npos);

    auto bad_value = ScriptedBackend::from_json(
        nlohmann::json::parse(R"({"default": {"top_logprobs": {"Yes": "high"}}})"));
    REQUIRE_FALSE(bad_value.has_value());
    CHECK(bad_value.error().message.find("top_logprobs[\"Yes\"]") != std::string::npos);
}
