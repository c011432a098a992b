#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "core/async.hpp"
#include "tasks/countdown/checker.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/countdown/standin/symbolic_backend.hpp"

using namespace braid;
using namespace braid::tasks::countdown;
using braid::backends::Completion;
using braid::backends::CompletionRequest;

namespace {

using CompletionResult = Result<Completion>;

CompletionRequest request_for(const Problem& p, std::uint64_t seed) {
    CompletionRequest r;
    r.model = "symbolic";
    r.prompt = root_prompt(p);
    r.sampling.seed = seed;
    r.sampling.max_tokens = 1'000'000;  // no truncation unless a test asks for it
    return r;
}

CompletionResult complete_sync(SymbolicBackend& backend, CompletionRequest request,
                               std::string* streamed = nullptr) {
    asio::io_context io;
    return async::run_sync(io,
                           backend.complete(std::move(request), [streamed](std::string_view chunk) {
                               if (streamed) streamed->append(chunk);
                           }));
}

const Problem kProblem{{22, 26, 31, 53}, 27};

}  // namespace

TEST_CASE("The symbolic backend gives the same text for the same seed and varies with the seed",
          "[tasks]") {
    SymbolicBackend backend;
    CHECK(backend.name() == "symbolic");
    std::string streamed;
    CompletionResult a = complete_sync(backend, request_for(kProblem, 11), &streamed);
    CompletionResult b = complete_sync(backend, request_for(kProblem, 11));
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    CHECK(a->text == b->text);
    CHECK(streamed == a->text);
    CHECK(a->text.rfind("\nExploring Operation: ", 0) == 0);
    CHECK(a->usage.completion_tokens > 0);
    CHECK(a->finish_reason == "stop");

    bool differs = false;
    for (std::uint64_t seed = 0; seed < 8; ++seed) {
        CompletionResult other = complete_sync(backend, request_for(kProblem, seed));
        REQUIRE(other.has_value());
        differs = differs || other->text != a->text;
        // What the backend writes is what the checker grades: solved iff the search found the goal.
        const bool claims_goal = other->text.find("Goal Reached") != std::string::npos;
        CHECK(check_trace(kProblem, other->text).solved == claims_goal);
    }
    CHECK(differs);
}

TEST_CASE("The symbolic backend reads the state from the last user message of a chat request",
          "[tasks]") {
    SymbolicBackend backend;
    CompletionRequest chat = request_for(kProblem, 5);
    chat.messages = {Message{Role::system, "You solve Countdown."},
                     Message{Role::user, root_prompt(kProblem)}};
    CompletionResult from_chat = complete_sync(backend, chat);
    CompletionResult from_prompt = complete_sync(backend, request_for(kProblem, 5));
    REQUIRE(from_chat.has_value());
    REQUIRE(from_prompt.has_value());
    CHECK(from_chat->text == from_prompt->text);
}

TEST_CASE("The symbolic backend honours stop strings and max_tokens", "[tasks]") {
    SymbolicBackend backend;
    CompletionRequest full_request = request_for(kProblem, 2);
    CompletionResult full = complete_sync(backend, full_request);
    REQUIRE(full.has_value());

    CompletionRequest stopped = full_request;
    stopped.sampling.stop = {"Generated Node"};
    CompletionResult cut = complete_sync(backend, stopped);
    REQUIRE(cut.has_value());
    CHECK(cut->text.find("Generated Node") == std::string::npos);
    CHECK(full->text.rfind(cut->text, 0) == 0);
    CHECK(full->text.substr(cut->text.size()).rfind("Generated Node", 0) == 0);

    CompletionRequest capped = full_request;
    capped.sampling.max_tokens = 20;
    CompletionResult short_one = complete_sync(backend, capped);
    REQUIRE(short_one.has_value());
    CHECK(short_one->finish_reason == "length");
    CHECK(short_one->usage.completion_tokens <= 20);
    CHECK(full->text.rfind(short_one->text, 0) == 0);
}

TEST_CASE("The symbolic backend refuses a prompt that is not a Countdown state", "[tasks]") {
    SymbolicBackend backend;
    CompletionRequest r;
    r.prompt = "Write a haiku about autumn.";
    CompletionResult out = complete_sync(backend, r);
    REQUIRE_FALSE(out.has_value());
    CHECK(out.error().code == ErrorCode::invalid_input);
}

TEST_CASE("A paced symbolic completion cancelled mid-stream returns cancelled", "[tasks]") {
    // The slow racer streams one line per millisecond; the fast one answers after 10 ms, when the
    // slow one has streamed some lines but not its 20+. Timers fire in deadline order, so this
    // holds however loaded the machine is.
    SymbolicBackend instant;
    SymbolicOptions paced;
    paced.pacing = backends::StreamPacing{std::chrono::milliseconds(1), 0};
    SymbolicBackend slow(paced);
    const CompletionRequest request = request_for(kProblem, 1);
    const std::string full_text = complete_sync(instant, request).value().text;
    REQUIRE(std::count(full_text.begin(), full_text.end(), '\n') > 20);

    auto answer_after = [](std::chrono::milliseconds delay) -> asio::awaitable<CompletionResult> {
        asio::steady_timer timer(co_await asio::this_coro::executor, delay);
        co_await timer.async_wait(asio::use_awaitable);
        Completion done;
        done.text = "fast";
        co_return done;
    };
    std::string slow_streamed;
    std::vector<asio::awaitable<CompletionResult>> racers;
    racers.push_back(
        slow.complete(request, [&](std::string_view chunk) { slow_streamed.append(chunk); }));
    racers.push_back(answer_after(std::chrono::milliseconds(10)));
    asio::io_context io;
    auto outcome = async::run_sync(
        io, async::first_of(std::move(racers),
                            [](const CompletionResult& r) { return r.has_value(); }));

    REQUIRE(outcome.winner == 1u);
    REQUIRE(outcome.values[0].has_value());
    const CompletionResult& loser = *outcome.values[0];
    REQUIRE_FALSE(loser.has_value());
    CHECK(loser.error().code == ErrorCode::cancelled);
    CHECK_FALSE(slow_streamed.empty());
    CHECK(slow_streamed.size() < full_text.size());
    CHECK(full_text.rfind(slow_streamed, 0) == 0);
}

TEST_CASE("Over the sample problems one SoS+ sample solves some and eight samples solve nearly all",
          "[tasks]") {
    // The tuning target of the stand-in model, at the planner's default max_tokens (4096).
    SymbolicBackend backend;
    const std::vector<Problem> problems = generate(1, 8);
    constexpr int kSamples = 8;
    int single = 0, covered = 0, total = 0;
    for (const Problem& p : problems) {
        bool any = false;
        for (int s = 0; s < kSamples; ++s) {
            CompletionRequest r = request_for(p, static_cast<std::uint64_t>(s));
            r.sampling.max_tokens = 4096;
            CompletionResult out = complete_sync(backend, r);
            REQUIRE(out.has_value());
            bool ok = check_trace(p, out->text).solved;
            single += ok ? 1 : 0;
            any = any || ok;
            ++total;
        }
        covered += any ? 1 : 0;
    }
    const double single_rate = static_cast<double>(single) / total;
    INFO("single-sample solve rate " << single_rate << ", solved by some of 8 samples: " << covered
                                     << "/" << problems.size());
    CHECK(single_rate >= 0.4);
    CHECK(single_rate <= 0.85);
    CHECK(covered >= static_cast<int>(problems.size()) - 1);
}

TEST_CASE("Measure the symbolic backend's solve rates over the sample problems",
          "[.][tasks][measure]") {
    SymbolicBackend backend;
    const std::vector<Problem> problems = generate(1, 8);
    for (std::int64_t max_tokens : {std::int64_t{1'000'000}, std::int64_t{4096}}) {
        int single = 0, covered = 0, total = 0;
        std::int64_t tokens = 0;
        for (const Problem& p : problems) {
            bool any = false;
            for (std::uint64_t s = 0; s < 8; ++s) {
                CompletionRequest r = request_for(p, s);
                r.sampling.max_tokens = max_tokens;
                CompletionResult out = complete_sync(backend, r);
                REQUIRE(out.has_value());
                bool ok = check_trace(p, out->text).solved;
                single += ok;
                any = any || ok;
                tokens += out->usage.completion_tokens;
                ++total;
            }
            covered += any;
        }
        WARN("max_tokens " << max_tokens << ": single-sample " << single << "/" << total
                           << ", best-of-8 " << covered << "/" << problems.size()
                           << ", mean completion tokens " << tokens / total);
    }
}
