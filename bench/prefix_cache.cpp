// bench/prefix_cache: the local engine's prefix cache on N samples of one prompt.
//
//   without   N concurrent seeded samples (temperature 1), each feeding the whole prompt: the
//             scheduler batches them, but every sample prefills the prompt itself.
//   with      the same samples the way LocalBackend runs them with EngineOptions::prefix_cache:
//             SharedPrefill gives each sample the prompt's KV but its last token (one prefill,
//             the others wait and fork it), then each decodes from there.
// Printed: wall time and prefilled rows (Scheduler::Stats::prefill_rows) of each, their ratios,
// and whether both gave the same tokens (they must). Best wall time of --repeats runs.
// The model is the 15m llama2.c shape of bench/engine_cpu (random fp32 weights, dim 288,
// 6 layers, vocab 32000) with a byte-level tokenizer whose other tokens are fillers; prompts are
// random token ids, so no text is tokenized (the cache works on token ids either way).
//
// Usage: prefix_cache [--samples 8] [--prompt 512] [--tokens 32] [--repeats 3] [--threads 0]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "backends/local/cpu/thread_pool.hpp"
#include "backends/local/engine/forward.hpp"
#include "backends/local/engine/prefix_cache.hpp"
#include "backends/local/engine/sampler.hpp"
#include "backends/local/engine/scheduler.hpp"
#include "backends/local/engine/shared_prefill.hpp"
#include "backends/local/tokenizer/byte_unicode.hpp"
#include "bench/random_model.hpp"
#include "core/async.hpp"

using namespace braid::backends::local;
using Clock = std::chrono::steady_clock;

namespace {

const std::int64_t kVocab = braid::bench::kShape15m.vocab;

// Byte-level BPE vocabulary: the 256 byte tokens, then fillers up to the model's vocab.
Tokenizer filler_tokenizer() {
    TokenizerSpec spec;
    for (int b = 0; b < 256; ++b)
        spec.tokens.push_back(bytes_to_byte_level(std::string(1, static_cast<char>(b))));
    while (static_cast<std::int64_t>(spec.tokens.size()) < kVocab)
        spec.tokens.push_back("<f" + std::to_string(spec.tokens.size()) + ">");
    spec.types.assign(spec.tokens.size(), TokenType::normal);
    auto tokenizer = Tokenizer::create(std::move(spec));
    if (!tokenizer) {
        std::fprintf(stderr, "prefix_cache: %s\n", tokenizer.error().describe().c_str());
        std::exit(3);
    }
    return std::move(*tokenizer);
}

TokenPicker seeded(std::uint64_t seed) {
    SamplingConfig config;
    config.temperature = 1.0f;
    config.seed = seed;
    return sampler_picker(config);
}

GenerateRequest sample_request(std::vector<std::int32_t> prompt, std::uint64_t seed,
                               std::int64_t tokens) {
    GenerateRequest r;
    r.prompt = std::move(prompt);
    r.pick = seeded(seed);
    r.max_tokens = tokens;
    r.stop_at_end_of_generation = false;
    return r;
}

std::vector<std::int32_t> tokens_or_exit(braid::Result<GenerateResult> done) {
    if (!done) {
        std::fprintf(stderr, "prefix_cache: %s\n", done.error().describe().c_str());
        std::exit(3);
    }
    return std::move(done->tokens);
}

asio::awaitable<std::vector<std::int32_t>> sample_plain(Scheduler* scheduler,
                                                        std::vector<std::int32_t> prompt,
                                                        std::uint64_t seed, std::int64_t tokens) {
    co_return tokens_or_exit(
        co_await scheduler->generate(sample_request(std::move(prompt), seed, tokens)));
}

// What LocalBackend::complete does with the prefix cache on.
asio::awaitable<std::vector<std::int32_t>> sample_cached(Scheduler* scheduler,
                                                         SharedPrefill* shared, PrefixCache* cache,
                                                         std::vector<std::int32_t> prompt,
                                                         std::uint64_t seed, std::int64_t tokens) {
    std::int32_t last = prompt.back();
    prompt.pop_back();
    auto context = co_await shared->context(std::move(prompt));
    if (!context) {
        std::fprintf(stderr, "prefix_cache: %s\n", context.error().describe().c_str());
        std::exit(3);
    }
    GenerateRequest r = sample_request({last}, seed, tokens);
    r.context.emplace(std::move(context->sequence));
    auto done = co_await scheduler->generate(std::move(r));
    if (done) cache->insert(*done->sequence);
    co_return tokens_or_exit(std::move(done));
}

struct Run {
    double seconds = 0;
    std::uint64_t prefill_rows = 0;
    std::vector<std::vector<std::int32_t>> tokens;
};

}  // namespace

int main(int argc, char** argv) {
    std::size_t samples = 8, prompt_len = 512, threads_n = 0, repeats = 3;
    std::int64_t gen = 32;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const char* next = i + 1 < argc ? argv[i + 1] : "";
        if (a == "--samples") {
            samples = std::max<std::size_t>(1, std::strtoul(next, nullptr, 10)), ++i;
        } else if (a == "--prompt") {
            prompt_len = std::max<std::size_t>(2, std::strtoul(next, nullptr, 10)), ++i;
        } else if (a == "--tokens") {
            gen = std::max<std::int64_t>(1, std::strtol(next, nullptr, 10)), ++i;
        } else if (a == "--repeats") {
            repeats = std::max<std::size_t>(1, std::strtoul(next, nullptr, 10)), ++i;
        } else if (a == "--threads") {
            threads_n = std::strtoul(next, nullptr, 10), ++i;
        } else {
            std::fprintf(stderr,
                         "usage: prefix_cache [--samples N] [--prompt N] [--tokens N] "
                         "[--repeats N] [--threads N]\n");
            return 2;
        }
    }
    const ModelWeights weights = braid::bench::random_model(braid::bench::kShape15m);
    const Tokenizer tokenizer = filler_tokenizer();
    ThreadPool threads(threads_n);
    Forward forward(weights, &threads);
    const std::size_t block = KvLayout::default_block_size;
    BlockPool pool(forward.kv_layout(),
                   samples * ((prompt_len + static_cast<std::size_t>(gen)) / block + 2) + 8);
    asio::io_context io;
    Scheduler scheduler(forward, pool, tokenizer, io.get_executor());
    PrefixCache cache;
    SharedPrefill shared(scheduler, cache, pool);
    scheduler.set_reclaimer([&cache] { return cache.evict_one(); });

    std::mt19937 rng(7);
    std::vector<std::int32_t> prompt(prompt_len);
    for (auto& t : prompt)
        t = static_cast<std::int32_t>(rng() % static_cast<std::uint32_t>(kVocab));

    auto measure = [&](bool with_cache) {
        Run best;
        for (std::size_t r = 0; r < repeats; ++r) {
            cache.clear();
            const auto rows_before = scheduler.stats().prefill_rows;
            std::vector<asio::awaitable<std::vector<std::int32_t>>> calls;
            for (std::size_t s = 0; s < samples; ++s) {
                calls.push_back(with_cache
                                    ? sample_cached(&scheduler, &shared, &cache, prompt, s + 1, gen)
                                    : sample_plain(&scheduler, prompt, s + 1, gen));
            }
            const auto start = Clock::now();
            auto tokens = braid::async::run_sync(io, braid::async::when_all(std::move(calls)));
            const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
            if (r == 0 || seconds < best.seconds) best.seconds = seconds;
            best.prefill_rows = scheduler.stats().prefill_rows - rows_before;
            best.tokens = std::move(tokens);
        }
        return best;
    };
    const Run plain = measure(false);
    const Run cached = measure(true);
    std::printf(
        "prefix_cache: 15m random weights, %zu threads, %zu samples of one %zu-token prompt, "
        "%lld tokens each, best of %zu\n",
        threads.size(), samples, prompt_len, static_cast<long long>(gen), repeats);
    std::printf("  without cache: %8.3f s, %6llu prefilled rows\n", plain.seconds,
                static_cast<unsigned long long>(plain.prefill_rows));
    std::printf("  with cache:    %8.3f s, %6llu prefilled rows\n", cached.seconds,
                static_cast<unsigned long long>(cached.prefill_rows));
    std::printf("  ratio without/with: wall %.2fx, prefilled rows %.2fx; same tokens: %s\n",
                plain.seconds / cached.seconds,
                static_cast<double>(plain.prefill_rows) / static_cast<double>(cached.prefill_rows),
                plain.tokens == cached.tokens ? "yes" : "NO");
    return plain.tokens == cached.tokens ? 0 : 1;
}
