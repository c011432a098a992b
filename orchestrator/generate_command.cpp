// `braid generate`: a quick check of the local engine — one raw prompt, text streamed to stdout,
// a summary line (tokens, finish reason) on stderr.
#include <cmath>
#include <cstdio>

#include <asio/io_context.hpp>

#include "backends/local/engine/local_backend.hpp"
#include "core/async.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"

namespace braid::orchestrator {

int run_generate(const GenerateArgs& args) {
    if (!std::isfinite(args.temperature) || args.temperature < 0)
        throw FatalError(make_error(ErrorCode::invalid_input, "--temperature must be a finite number, not negative"));
    asio::io_context io;
    backends::local::EngineOptions options;
    options.threads = args.threads;
    auto backend = backends::local::LocalBackend::open(args.model_path, options, io.get_executor());
    if (!backend)
        throw FatalError(Error(backend.error()).with_context("loading model " + args.model_path));

    backends::CompletionRequest request;
    request.prompt = args.prompt;
    request.sampling.max_tokens = args.max_tokens;
    request.sampling.temperature = args.temperature;
    request.sampling.seed = args.seed;
    backends::ChunkSink print = [](std::string_view piece) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
    };
    auto done = async::run_sync(io, (*backend)->complete(std::move(request), print));
    if (!done) throw FatalError(std::move(done).error());
    std::printf("\n");
    std::fprintf(
        stderr,
        "braid generate: %lld prompt tokens, %lld completion tokens, finish_reason %s, %.0f ms\n",
        static_cast<long long>(done->usage.prompt_tokens),
        static_cast<long long>(done->usage.completion_tokens), done->finish_reason.c_str(),
        done->latency_ms);
    return exit_ok;
}

}  // namespace braid::orchestrator
