// bench/http_streams: client CPU per streamed token and per request for braid's OpenAI client,
// against the `openai` npm package (Node 20) driving the same load in the same run.
//
// Load: N concurrent streaming /v1/completions requests to `braid serve --backend scripted`
// (a separate process, so its CPU counts for neither client), each answered with T one-token
// SSE events. Each client's CPU is its own process's user+system time from the first request to
// the last byte. The npm package is installed with npm into the build tree on first use.
//
// Each client runs W waves of the load (default 2) in one process: wave 1 is cold (connections
// opened, handles created, memory first touched); later waves reuse what a long run would reuse
// (kept-alive connections, pooled handles, and for Node a warmed JIT). Both are reported.
//
// Usage: http_streams [N=1000] [T=200] [--waves W] [--no-npm]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "backends/openai/curl_multi_asio.hpp"
#include "backends/openai/openai_backend.hpp"
#include "core/async.hpp"

namespace fs = std::filesystem;
using namespace braid;

namespace {

double cpu_us_now() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto us = [](timeval t) { return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec); };
    return us(u.ru_utime) + us(u.ru_stime);
}

void raise_fd_limit() {
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
}

struct Server {
    pid_t pid = -1;
    int port = 0;
    Server(const fs::path& script) {
        int fds[2];
        if (pipe(fds) != 0) throw std::runtime_error("pipe");
        pid = fork();
        if (pid == 0) {
            dup2(fds[1], STDOUT_FILENO);
            execl(BRAID_BINARY, "braid", "serve", "--backend", "scripted", "--script", script.c_str(), "--port", "0",
                  "--model-name", "bench", "--max-connections", "8192", "--max-generations", "8192",
                  static_cast<char*>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        FILE* out = fdopen(fds[0], "r");
        char line[512] = {};
        if (!std::fgets(line, sizeof line, out)) throw std::runtime_error("braid serve did not start");
        std::fclose(out);
        std::string text(line);
        port = std::stoi(text.substr(text.rfind(':', text.find("/v1")) + 1));
    }
    ~Server() {
        kill(pid, SIGTERM);
        waitpid(pid, nullptr, 0);
    }
};

struct Figures {
    double cpu_us = 0;
    double tokens = 0;
    double requests = 0;
    double wall_s = 0;
};

// One wave of n concurrent streams through `client`.
Figures braid_wave(asio::io_context& io, backends::openai::OpenAIBackend& client, std::size_t n) {
    std::vector<asio::awaitable<Result<backends::Completion>>> calls;
    for (std::size_t i = 0; i < n; ++i) {
        backends::CompletionRequest r;
        r.prompt = "bench " + std::to_string(i);
        r.sampling.max_tokens = 100000;
        calls.push_back(client.complete(std::move(r), {}));
    }
    double cpu0 = cpu_us_now();
    auto t0 = std::chrono::steady_clock::now();
    auto results = async::run_sync(io, async::when_all(std::move(calls)));
    Figures f;
    f.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    f.cpu_us = cpu_us_now() - cpu0;
    f.requests = static_cast<double>(n);
    for (auto& r : results) {
        if (!r) throw std::runtime_error("braid client: " + r.error().describe());
        f.tokens += static_cast<double>(r->usage.completion_tokens);
    }
    return f;
}

// `waves` waves through one client: the first is cold (new connections, new handles, first-touch
// memory), the later ones run on what the first left behind (kept-alive connections, pooled
// handles), as in a long run. Returns each wave's figures.
std::vector<Figures> run_braid_client(const std::string& base_url, std::size_t n, int waves) {
    asio::io_context io;
    backends::openai::CurlMultiAsio http(io.get_executor());
    backends::openai::OpenAIOptions options;
    options.base_url = base_url;
    options.model = "bench";
    options.max_concurrency = n;
    options.timeouts.total = std::chrono::minutes(10);
    options.timeouts.idle = std::chrono::minutes(1);
    backends::openai::OpenAIBackend client(http, options);
    std::vector<Figures> out;
    for (int w = 0; w < waves; ++w) out.push_back(braid_wave(io, client, n));
    return out;
}

std::string run_capture(const std::string& cmd) {
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return "";
    std::string out;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    return pclose(p) == 0 ? out : "";
}

std::vector<Figures> run_npm_client(const std::string& base_url, std::size_t n, int waves) {
    fs::path dir = fs::path(BRAID_BENCH_BUILD_DIR) / "npm";
    if (!fs::exists(dir / "node_modules" / "openai")) {
        fs::create_directories(dir);
        std::printf("  installing the openai npm package (6.x) into %s ...\n", dir.c_str());
        std::system(("cd '" + dir.string() + "' && npm install --silent --no-audit --no-fund openai@6 >/dev/null 2>&1").c_str());
    }
    fs::copy_file(fs::path(BRAID_BENCH_DIR) / "http_streams_npm.mjs", dir / "http_streams_npm.mjs",
                  fs::copy_options::overwrite_existing);
    std::string out = run_capture("node '" + (dir / "http_streams_npm.mjs").string() + "' '" + base_url + "' bench " +
                                  std::to_string(n) + " " + std::to_string(waves));
    auto j = nlohmann::json::parse(out, nullptr, false);
    std::vector<Figures> figures;
    if (j.is_discarded() || !j.is_array()) return figures;
    for (const auto& w : j) {
        Figures f;
        f.cpu_us = w["cpu_us"].get<double>();
        f.tokens = w["tokens"].get<double>();
        f.requests = w["requests"].get<double>();
        f.wall_s = w["wall_s"].get<double>();
        figures.push_back(f);
    }
    return figures;
}

void print(const std::string& name, const Figures& f) {
    std::printf("  %-14s %8.0f tokens  %7.3f s wall  %9.0f us CPU  %6.3f us/token  %7.1f us/request\n", name.c_str(), f.tokens,
                f.wall_s, f.cpu_us, f.cpu_us / f.tokens, f.cpu_us / f.requests);
}

const char* wave_name(std::size_t w) {
    return w == 0 ? "cold" : "warm";
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t n = 1000, tokens = 200;
    bool npm = true;
    int waves = 2;
    int positional = 0;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--no-npm") npm = false;
        else if (a == "--waves" && i + 1 < argc) waves = std::max(1, std::stoi(argv[++i]));
        else if (positional++ == 0) n = std::stoul(a);
        else tokens = std::stoul(a);
    }
    raise_fd_limit();
    fs::path dir = fs::temp_directory_path() / ("braid-http-bench-" + std::to_string(getpid()));
    fs::create_directories(dir);
    std::string text;
    for (std::size_t i = 0; i < tokens; ++i) text += "tok\n";  // one line = one SSE event = one token
    std::ofstream(dir / "script.json") << nlohmann::json{{"default", {{"text", text}}}}.dump();

    Server server(dir / "script.json");
    std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/v1";
    std::printf("http_streams: %zu concurrent streams x %zu tokens from braid serve on %s\n", n, tokens, url.c_str());
    std::vector<Figures> braid_f = run_braid_client(url, n, waves);
    for (std::size_t w = 0; w < braid_f.size(); ++w)
        print("braid " + std::string(wave_name(w)) + " " + std::to_string(w + 1), braid_f[w]);
    if (npm) {
        std::vector<Figures> npm_f = run_npm_client(url, n, waves);
        if (npm_f.size() == braid_f.size()) {
            for (std::size_t w = 0; w < npm_f.size(); ++w)
                print("npm " + std::string(wave_name(w)) + " " + std::to_string(w + 1), npm_f[w]);
            for (std::size_t w = 0; w < npm_f.size(); ++w)
                std::printf("wave %zu (%s): npm CPU / braid CPU = %.1fx (goal >= 5x); braid %.3f us/token (goal <= 1)\n",
                            w + 1, wave_name(w), npm_f[w].cpu_us / braid_f[w].cpu_us,
                            braid_f[w].cpu_us / braid_f[w].tokens);
        } else {
            std::printf("  npm      could not run (node or the openai package missing)\n");
        }
    } else {
        for (std::size_t w = 0; w < braid_f.size(); ++w)
            std::printf("wave %zu (%s): braid %.3f us/token (goal <= 1)\n", w + 1, wave_name(w),
                        braid_f[w].cpu_us / braid_f[w].tokens);
    }
    fs::remove_all(dir);
    return 0;
}
