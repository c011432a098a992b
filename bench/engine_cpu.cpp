// bench/engine_cpu: the local engine's CPU decode against this machine's memory-bandwidth bound,
// measured in the same run.
//
//   bound     memcpy bandwidth (bytes copied / second, best of a few 256 MiB copies) ÷ weight bytes
//             read per token (ModelWeights::weight_bytes): the tokens/s a batch-1 decode could
//             reach if it did nothing but stream the weights once per token at copy speed.
//   decode    batch 1: one sequence, one token per step after a short prefill; batch 16: sixteen
//             sequences, one token each per step (aggregate tokens/s, also as a ratio to the
//             batch-1 bound: above 1 means batching beat the single-stream bound).
//   forks     KV blocks (BlockPool::used_blocks) of 64 share_tail forks of one 1,024-token prefix
//             as a ratio to the prefix alone, right after forking and after each fork decodes one
//             token (a fork's own tokens need their own block).
// Models are random fp32 weights built in memory in the llama2.c shapes: 15m (dim 288, 6 layers,
// 6 heads, ffn 768, vocab 32000) and 110m (dim 768, 12 layers, 12 heads, ffn 2048).
//
// Usage: engine_cpu [--models 15m,110m] [--decode 16] [--prefill 32] [--threads 0] [--no-forks]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "backends/local/cpu/thread_pool.hpp"
#include "backends/local/engine/forward.hpp"
#include "backends/local/kv/block_pool.hpp"
#include "backends/local/kv/kv_sequence.hpp"
#include "bench/random_model.hpp"

using namespace braid::backends::local;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Copy bandwidth in bytes/s: best of a few copies of a buffer far larger than the caches.
double memcpy_bandwidth() {
    constexpr std::size_t bytes = std::size_t{256} << 20;
    std::vector<char> a(bytes, 1), b(bytes, 2);
    double best = 1e30;
    for (int r = 0; r < 4; ++r) {
        const auto start = Clock::now();
        std::memcpy(b.data(), a.data(), bytes);
        best = std::min(best, seconds_since(start));
        a[static_cast<std::size_t>(r)] = b[bytes - 1];  // keep the copies observable
    }
    return static_cast<double>(bytes) / best;
}

void check(braid::Result<void> r) {
    if (!r) {
        std::fprintf(stderr, "engine_cpu: step failed: %s\n", r.error().describe().c_str());
        std::exit(3);
    }
}

// Decode tokens/s with `batch` sequences after a `prefill`-token prompt each.
double decode_rate(Forward& forward, std::size_t batch, std::size_t prefill, std::size_t steps) {
    const std::size_t tokens_per_seq = prefill + steps + 1;
    const std::size_t block = KvLayout::default_block_size;
    BlockPool pool(forward.kv_layout(), batch * ((tokens_per_seq + block - 1) / block + 1));
    std::vector<KvSequence> seqs;
    for (std::size_t b = 0; b < batch; ++b) seqs.emplace_back(pool);
    std::vector<ForwardRow> rows;
    std::vector<float> logits;
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t i = 0; i < prefill; ++i)
            rows.push_back(ForwardRow{&seqs[b], static_cast<std::int32_t>((7 * i + b) % 1000),
                                      i + 1 == prefill});
    check(forward.step(rows, logits));
    rows.clear();
    for (std::size_t b = 0; b < batch; ++b) rows.push_back(ForwardRow{&seqs[b], 1, true});
    check(forward.step(rows, logits));  // warm-up: scratch sized, pages touched
    const auto start = Clock::now();
    for (std::size_t s = 0; s < steps; ++s) {
        for (std::size_t b = 0; b < batch; ++b)
            rows[b].token = static_cast<std::int32_t>(3 * s + b + 2);
        check(forward.step(rows, logits));
    }
    return static_cast<double>(batch * steps) / seconds_since(start);
}

void fork_memory(Forward& forward) {
    constexpr std::size_t prefix = 1024, forks = 64, chunk = 128;
    const std::size_t block = KvLayout::default_block_size;
    BlockPool pool(forward.kv_layout(), prefix / block + 2 * forks + 4);
    KvSequence parent(pool);
    std::vector<ForwardRow> rows;
    std::vector<float> logits;
    for (std::size_t done = 0; done < prefix; done += chunk) {
        rows.clear();
        for (std::size_t i = done; i < done + chunk; ++i)
            rows.push_back(ForwardRow{&parent, static_cast<std::int32_t>(i % 1000), false});
        check(forward.step(rows, logits));
    }
    const double one = static_cast<double>(pool.used_blocks());
    std::vector<KvSequence> children;
    for (std::size_t f = 0; f < forks; ++f) children.push_back(parent.fork(ForkMode::share_tail));
    const double forked = static_cast<double>(pool.used_blocks());
    rows.clear();
    for (std::size_t f = 0; f < forks; ++f)
        rows.push_back(ForwardRow{&children[f], static_cast<std::int32_t>(f), true});
    check(forward.step(rows, logits));
    const double decoded = static_cast<double>(pool.used_blocks());
    std::printf("  KV, 64 share_tail forks of a 1024-token prefix (%zu-token blocks):\n", block);
    std::printf("    prefix alone %.0f blocks; after forking %.0f (ratio %.2f, goal <= 1.1: %s); "
                "after one decoded token each %.0f (ratio %.2f; 64 unshared copies: %.2f)\n",
                one, forked, forked / one, forked / one <= 1.1 ? "met" : "NOT met", decoded,
                decoded / one, static_cast<double>(forks) * (one + 1) / one);
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> models = {"15m", "110m"};
    std::size_t decode_steps = 16, prefill = 32, threads_n = 0;
    bool forks = true;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const char* next = i + 1 < argc ? argv[i + 1] : "";
        if (a == "--models") {
            models.clear();
            std::string list = next;
            for (std::size_t p = 0; p <= list.size();) {
                const std::size_t comma = std::min(list.find(',', p), list.size());
                models.push_back(list.substr(p, comma - p));
                p = comma + 1;
            }
            ++i;
        } else if (a == "--decode") {
            decode_steps = std::strtoul(next, nullptr, 10), ++i;
        } else if (a == "--prefill") {
            prefill = std::max<std::size_t>(1, std::strtoul(next, nullptr, 10)), ++i;
        } else if (a == "--threads") {
            threads_n = std::strtoul(next, nullptr, 10), ++i;
        } else if (a == "--no-forks") {
            forks = false;
        } else {
            std::fprintf(stderr, "usage: engine_cpu [--models 15m,110m] [--decode N] "
                                 "[--prefill N] [--threads N] [--no-forks]\n");
            return 2;
        }
    }
    ThreadPool threads(threads_n);
    const double bandwidth = memcpy_bandwidth();
    std::printf("engine_cpu: %zu threads, memcpy %.2f GB/s (bytes copied per second)\n",
                threads.size(), bandwidth / 1e9);
    for (const std::string& name : models) {
        braid::bench::ModelShape s;
        if (name == "15m") {
            s = braid::bench::kShape15m;
        } else if (name == "110m") {
            s = braid::bench::kShape110m;
        } else {
            std::fprintf(stderr, "engine_cpu: unknown model '%s' (15m, 110m)\n", name.c_str());
            return 2;
        }
        const ModelWeights weights = braid::bench::random_model(s);
        Forward forward(weights, &threads);
        const double bound = bandwidth / static_cast<double>(weights.weight_bytes);
        std::printf("%s: dim %lld, %lld layers, ffn %lld, vocab %lld, %.1f MB fp32 weights/token; "
                    "bound %.1f tok/s\n",
                    name.c_str(), static_cast<long long>(s.dim), static_cast<long long>(s.layers),
                    static_cast<long long>(s.ffn), static_cast<long long>(s.vocab),
                    static_cast<double>(weights.weight_bytes) / 1e6, bound);
        const double b1 = decode_rate(forward, 1, prefill, decode_steps);
        const double b16 = decode_rate(forward, 16, prefill, decode_steps);
        std::printf("  decode batch 1:  %8.1f tok/s = %.2f of the bound (goal >= 0.60: %s)\n", b1,
                    b1 / bound, b1 / bound >= 0.6 ? "met" : "NOT met");
        std::printf("  decode batch 16: %8.1f tok/s = %.2f of the batch-1 bound (%.2fx batch 1)\n",
                    b16, b16 / bound, b16 / b1);
        if (forks && name == models.front()) fork_memory(forward);
    }
    return 0;
}
