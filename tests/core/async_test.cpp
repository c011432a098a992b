#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include "core/async.hpp"

using namespace std::chrono_literals;
namespace async = braid::async;

namespace {

// Waits on a timer; records whether it completed or was cancelled, and whether its "resource"
// (a guard object) has been released by the time the helper returns.
struct Probe {
    int completed = 0;
    int cancelled = 0;
    int alive = 0;  // guards currently held
};

struct Guard {
    explicit Guard(Probe& p) : probe(&p) { ++probe->alive; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { --probe->alive; }
    Probe* probe;
};

asio::awaitable<int> sleeper(std::shared_ptr<Probe> probe, std::chrono::milliseconds delay, int value) {
    Guard held(*probe);
    asio::steady_timer timer(co_await asio::this_coro::executor, delay);
    auto [ec] = co_await timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) {
        ++probe->cancelled;
        co_return -1;
    }
    ++probe->completed;
    co_return value;
}

asio::awaitable<int> instant(int value) { co_return value; }

}  // namespace

TEST_CASE("when_all runs a fan-out of 10,000 children and returns their values in order", "[core][async]") {
    asio::io_context io;
    std::vector<asio::awaitable<int>> children;
    for (int i = 0; i < 10000; ++i) children.push_back(instant(i));
    auto values = async::run_sync(io, async::when_all(std::move(children)));
    REQUIRE(values.size() == 10000);
    for (int i = 0; i < 10000; ++i) REQUIRE(values[static_cast<std::size_t>(i)] == i);
}

TEST_CASE("when_all nests: a fan-out of fan-outs joins every grandchild", "[core][async]") {
    asio::io_context io;
    auto probe = std::make_shared<Probe>();
    auto parent = [](std::shared_ptr<Probe> p, int base) -> asio::awaitable<int> {
        std::vector<asio::awaitable<int>> kids;
        for (int i = 0; i < 10; ++i) kids.push_back(sleeper(p, std::chrono::milliseconds(i % 3), base + i));
        auto v = co_await async::when_all(std::move(kids));
        int sum = 0;
        for (int x : v) sum += x;
        co_return sum;
    };
    std::vector<asio::awaitable<int>> parents;
    for (int i = 0; i < 10; ++i) parents.push_back(parent(probe, i * 10));
    auto sums = async::run_sync(io, async::when_all(std::move(parents)));
    int total = 0;
    for (int s : sums) total += s;
    REQUIRE(total == 99 * 100 / 2);
    REQUIRE(probe->completed == 100);
    REQUIRE(probe->alive == 0);
}

TEST_CASE("when_all rethrows a child's exception after every child has finished", "[core][async]") {
    asio::io_context io;
    auto probe = std::make_shared<Probe>();
    auto thrower = []() -> asio::awaitable<int> {
        throw std::runtime_error("boom");
        co_return 0;
    };
    std::vector<asio::awaitable<int>> children;
    children.push_back(sleeper(probe, 5ms, 1));
    children.push_back(thrower());
    REQUIRE_THROWS_WITH(async::run_sync(io, async::when_all(std::move(children))), "boom");
    REQUIRE(probe->completed == 1);
    REQUIRE(probe->alive == 0);
}

TEST_CASE("first_of returns the first accepted child and cancels the losers before returning",
          "[core][async]") {
    asio::io_context io;
    auto probe = std::make_shared<Probe>();
    std::vector<asio::awaitable<int>> children;
    children.push_back(sleeper(probe, 1h, 0));
    children.push_back(sleeper(probe, 1ms, 1));
    children.push_back(sleeper(probe, 1h, 2));
    auto start = std::chrono::steady_clock::now();
    auto outcome = async::run_sync(io, async::first_of(std::move(children), [](int) { return true; }));
    REQUIRE(outcome.winner == 1u);
    REQUIRE(*outcome.values[1] == 1);
    REQUIRE(probe->completed == 1);
    REQUIRE(probe->cancelled == 2);  // the losers really observed the cancellation
    REQUIRE(probe->alive == 0);      // and released what they held before first_of returned
    REQUIRE(std::chrono::steady_clock::now() - start < 1h);
}

TEST_CASE("first_of skips children whose value is not accepted", "[core][async]") {
    asio::io_context io;
    auto probe = std::make_shared<Probe>();
    std::vector<asio::awaitable<int>> children;
    children.push_back(sleeper(probe, 1ms, -5));  // finishes first but is rejected
    children.push_back(sleeper(probe, 3ms, 7));
    children.push_back(sleeper(probe, 1h, 9));
    auto outcome = async::run_sync(io, async::first_of(std::move(children), [](int v) { return v > 0; }));
    REQUIRE(outcome.winner == 1u);
    REQUIRE(*outcome.values[0] == -5);
    REQUIRE(probe->cancelled == 1);
}

TEST_CASE("first_of with no acceptable child reports no winner", "[core][async]") {
    asio::io_context io;
    std::vector<asio::awaitable<int>> children;
    children.push_back(instant(1));
    children.push_back(instant(2));
    auto outcome = async::run_sync(io, async::first_of(std::move(children), [](int) { return false; }));
    REQUIRE_FALSE(outcome.winner.has_value());
    REQUIRE(outcome.values[0] == 1);
    REQUIRE(outcome.values[1] == 2);
}

TEST_CASE("cancelling a when_all reaches every running child", "[core][async]") {
    asio::io_context io;
    auto probe = std::make_shared<Probe>();
    auto fan_out = [](std::shared_ptr<Probe> p) -> asio::awaitable<int> {
        std::vector<asio::awaitable<int>> kids;
        for (int i = 0; i < 50; ++i) kids.push_back(sleeper(p, 1h, i));
        auto v = co_await async::when_all(std::move(kids));
        co_return static_cast<int>(v.size());
    };
    // The fan-out loses a race against a short timer, so first_of cancels it.
    std::vector<asio::awaitable<int>> racers;
    racers.push_back(fan_out(probe));
    racers.push_back(sleeper(probe, 2ms, -1));
    auto outcome = async::run_sync(io, async::first_of(std::move(racers), [](int) { return true; }));
    REQUIRE(outcome.winner == 1u);
    REQUIRE(probe->cancelled == 50);
    REQUIRE(probe->alive == 0);
}

TEST_CASE("with_timeout returns the value when the operation beats the timer", "[core][async]") {
    asio::io_context io;
    auto probe = std::make_shared<Probe>();
    auto r = async::run_sync(io, async::with_timeout(sleeper(probe, 1ms, 42), 1h));
    REQUIRE(r.has_value());
    REQUIRE(*r == 42);
}

TEST_CASE("with_timeout cancels a slow operation and reports a retryable timeout", "[core][async]") {
    asio::io_context io;
    auto probe = std::make_shared<Probe>();
    auto r = async::run_sync(io, async::with_timeout(sleeper(probe, 1h, 42), 2ms));
    REQUIRE_FALSE(r.has_value());
    REQUIRE(r.error().code == braid::ErrorCode::timeout);
    REQUIRE(r.error().retryable);
    REQUIRE(probe->cancelled == 1);
    REQUIRE(probe->alive == 0);
}

TEST_CASE("run_blocking runs work on the pool and resumes on the caller's thread", "[core][async]") {
    asio::io_context io;
    asio::thread_pool pool(2);
    auto caller = std::this_thread::get_id();
    auto work = [&]() -> asio::awaitable<bool> {
        auto worker = co_await async::run_blocking(pool, [] { return std::this_thread::get_id(); });
        co_return worker != caller && std::this_thread::get_id() == caller;
    };
    REQUIRE(async::run_sync(io, work()));
    pool.join();
}
