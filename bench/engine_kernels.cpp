// bench/engine_kernels: the local engine's CPU matmul against baselines measured in the same run.
//
//   scalar   the portable path of the same kernel (isa.hpp) — the AVX2 speed-up is avx2/scalar;
//   memcpy   copying a buffer the size of the weights — the achievable read bandwidth that a
//            batch-1 matmul (one pass over W) should approach;
//   batch 1  the same kernel on one token row — batched decode should cost nearly the same per
//            step while memory-bound (each weight row is read once for every row of the batch).
//
// Usage: engine_kernels [OUT=4096] [IN=2048] [REPEATS=5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "backends/local/cpu/isa.hpp"
#include "backends/local/cpu/matmul.hpp"
#include "backends/local/cpu/thread_pool.hpp"

using braid::backends::local::Isa;
using braid::backends::local::ThreadPool;
using Clock = std::chrono::steady_clock;

namespace {

template <class Fn>
double best_seconds(int repeats, Fn&& fn) {
    double best = 1e30;
    for (int r = 0; r < repeats; ++r) {
        const auto start = Clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t out = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 4096;
    const std::size_t in = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2048;
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
    const Isa best = braid::backends::local::best_isa();

    std::mt19937 rng(1);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float> w(out * in), copy(out * in);
    for (auto& v : w) v = dist(rng);
    constexpr std::size_t max_batch = 8;
    std::vector<float> x(max_batch * in), y(max_batch * out);
    for (auto& v : x) v = dist(rng);
    const double bytes = static_cast<double>(w.size() * sizeof(float));

    const double t_memcpy = best_seconds(repeats, [&] {
        std::memcpy(copy.data(), w.data(), w.size() * sizeof(float));
    });
    auto time_matmul = [&](std::size_t batch, Isa isa, ThreadPool* pool) {
        return best_seconds(repeats, [&] {
            braid::backends::local::matmul(w.data(), x.data(), y.data(), batch, in, out, pool, isa);
        });
    };
    const double t_scalar = time_matmul(1, Isa::scalar, nullptr);
    const double t_best1 = time_matmul(1, best, nullptr);
    const double t_best8 = time_matmul(max_batch, best, nullptr);
    ThreadPool pool;
    const double t_pool1 = time_matmul(1, best, &pool);
    const double t_pool8 = time_matmul(max_batch, best, &pool);

    auto gflops = [&](std::size_t batch, double t) { return 2.0 * double(batch * in * out) / t / 1e9; };
    std::printf("matmul W[%zu, %zu] (%.1f MB fp32), best of %d, isa %s, pool %zu threads\n", out, in,
                bytes / 1e6, repeats, braid::backends::local::isa_name(best), pool.size());
    std::printf("  memcpy            %7.2f GB/s read (baseline)\n", bytes / t_memcpy / 1e9);
    std::printf("  scalar  B=1       %7.2f GFLOP/s  %7.2f GB/s\n", gflops(1, t_scalar), bytes / t_scalar / 1e9);
    std::printf("  %-6s  B=1       %7.2f GFLOP/s  %7.2f GB/s\n", braid::backends::local::isa_name(best),
                gflops(1, t_best1), bytes / t_best1 / 1e9);
    std::printf("  %-6s  B=%zu       %7.2f GFLOP/s\n", braid::backends::local::isa_name(best), max_batch,
                gflops(max_batch, t_best8));
    std::printf("  pooled  B=1       %7.2f GFLOP/s  %7.2f GB/s\n", gflops(1, t_pool1), bytes / t_pool1 / 1e9);
    std::printf("  pooled  B=%zu       %7.2f GFLOP/s\n", max_batch, gflops(max_batch, t_pool8));
    std::printf("ratios:\n");
    std::printf("  %s / scalar (B=1 time)             %5.2fx faster\n",
                braid::backends::local::isa_name(best), t_scalar / t_best1);
    std::printf("  matmul B=1 read bandwidth / memcpy  %5.2f\n", t_memcpy / t_best1);
    std::printf("  step time B=%zu / B=1                %5.2f (B=%zu rows for that cost)\n", max_batch,
                t_best8 / t_best1, max_batch);
    std::printf("  pool speed-up B=1 / B=%zu            %5.2fx / %5.2fx\n", max_batch,
                t_best1 / t_pool1, t_best8 / t_pool8);
    return 0;
}
