#include <catch2/catch.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "backends/local/cpu/thread_pool.hpp"

using braid::backends::local::ThreadPool;

namespace {

// Runs parallel_for(n) and checks that every index in [0, n) ran exactly once and that chunks
// were well formed. (Catch2 v2 assertions are not thread-safe: tasks only count, the test
// thread asserts.)
void check_once(ThreadPool& pool, std::size_t n, std::size_t grain) {
    std::vector<std::atomic<int>> hits(n);
    std::atomic<int> bad_chunks{0};
    pool.parallel_for(
        n,
        [&](std::size_t begin, std::size_t end) {
            if (begin >= end || end > n || end - begin < std::min(grain, n - begin)) {
                bad_chunks.fetch_add(1);
            }
            for (std::size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
        },
        grain);
    REQUIRE(bad_chunks.load() == 0);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < n; ++i) wrong += hits[i].load() == 1 ? 0 : 1;
    REQUIRE(wrong == 0);
}

}  // namespace

TEST_CASE("parallel_for runs every index exactly once across many calls",
          "[backends_local][cpu][thread_pool]") {
    for (std::size_t threads : {1u, 2u, 3u, 8u}) {
        ThreadPool pool(threads);
        REQUIRE(pool.size() == threads);
        for (std::size_t call = 0; call < 300; ++call) {
            const std::size_t n = (call * 37) % 1000;  // includes 0, 1 and sizes < threads
            check_once(pool, n, 1 + call % 5);
        }
        check_once(pool, 100000, 1);  // far more tasks than threads
    }
}

TEST_CASE("a default ThreadPool uses the machine's threads", "[backends_local][cpu][thread_pool]") {
    ThreadPool pool;
    REQUIRE(pool.size() >= 1);
    check_once(pool, 4096, 1);
}

TEST_CASE("a nested parallel_for runs inline and still covers its range",
          "[backends_local][cpu][thread_pool]") {
    ThreadPool pool(3);
    constexpr std::size_t outer = 16, inner = 50;
    std::vector<std::atomic<int>> hits(outer * inner);
    pool.parallel_for(outer, [&](std::size_t begin, std::size_t end) {
        for (std::size_t o = begin; o < end; ++o) {
            pool.parallel_for(inner, [&](std::size_t b, std::size_t e) {
                for (std::size_t i = b; i < e; ++i) hits[o * inner + i].fetch_add(1);
            });
        }
    });
    std::size_t wrong = 0;
    for (auto& h : hits) wrong += h.load() == 1 ? 0 : 1;
    REQUIRE(wrong == 0);
}

TEST_CASE("an exception in a task reaches the caller and the pool stays usable",
          "[backends_local][cpu][thread_pool]") {
    ThreadPool pool(4);
    REQUIRE_THROWS_AS(pool.parallel_for(1000,
                                        [](std::size_t begin, std::size_t end) {
                                            if (begin <= 500 && 500 < end) {
                                                throw std::runtime_error("task 500 failed");
                                            }
                                        }),
                      std::runtime_error);
    check_once(pool, 1000, 1);
}

TEST_CASE("callers on two threads are served one job at a time",
          "[backends_local][cpu][thread_pool]") {
    ThreadPool pool(2);
    std::atomic<int> failures{0};
    auto client = [&](std::size_t n) {
        for (int round = 0; round < 100; ++round) {
            std::vector<std::atomic<int>> hits(n);
            pool.parallel_for(n, [&](std::size_t b, std::size_t e) {
                for (std::size_t i = b; i < e; ++i) hits[i].fetch_add(1);
            });
            for (auto& h : hits) {
                if (h.load() != 1) failures.fetch_add(1);
            }
        }
    };
    std::thread other(client, 333);
    client(777);
    other.join();
    REQUIRE(failures.load() == 0);
}
