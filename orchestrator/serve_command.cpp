// `braid serve`: any backend as an OpenAI-compatible HTTP API, until SIGINT or SIGTERM.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <filesystem>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>

#include "backends/server/http_server.hpp"
#include "orchestrator/backend_factory.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"

namespace braid::orchestrator {

namespace {
// A server holds a descriptor per connection: take the whole hard limit, not the soft default.
void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}
}  // namespace

int run_serve(const ServeArgs& args) {
    raise_descriptor_limit();
    auto kind = backends::parse_backend_kind(args.backend);
    if (!kind) throw FatalError(std::move(kind).error());
    if (*kind == backends::BackendKind::replay)
        throw FatalError(make_error(ErrorCode::invalid_input, "braid serve cannot serve --backend replay"));
    RunConfig config = args.config;
    config.backend = *kind;
    asio::io_context io;
    auto backend = make_backend(config, io.get_executor());
    if (!backend) throw FatalError(std::move(backend).error());

    backends::server::ServerOptions options;
    options.host = args.host;
    options.port = args.port;
    // A local model is served under its file's stem unless --model-name says otherwise.
    std::string default_name = *kind == backends::BackendKind::local
                                   ? std::filesystem::path(config.model).stem().string()
                                   : std::string(backends::to_string(*kind));
    options.model_name = args.model_name.empty() ? default_name : args.model_name;
    options.max_connections = args.max_connections;
    options.max_concurrent_generations = args.max_generations;
    options.log = Logger(args.common.verbose ? LogLevel::info : LogLevel::warn);
    backends::server::HttpServer server(io.get_executor(), **backend, options);
    if (auto started = server.start(); !started) throw FatalError(Error(started.error()));

    // The first line on stdout is the address, so scripts and tests can find an ephemeral port.
    std::printf("braid serve: listening on http://%s:%u/v1 (backend %s, model %s)\n",
                args.host.c_str(), static_cast<unsigned>(server.port()),
                std::string(backends::to_string(*kind)).c_str(), options.model_name.c_str());
    std::fflush(stdout);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&server](std::error_code ec, int) {
        if (!ec) server.stop(std::chrono::milliseconds(500));
    });
    io.run();  // returns once the server has stopped and every connection has ended
    return exit_ok;
}

}  // namespace braid::orchestrator
