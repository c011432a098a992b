#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/backends_server/test_client.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;
using nlohmann::json;

namespace {

// Starts `braid serve` on an ephemeral port; the address is the first line it prints.
struct ServeProcess {
    pid_t pid = -1;
    std::uint16_t port = 0;

    ServeProcess(const TempDir& dir, std::vector<std::string> args) {
        int fds[2];
        REQUIRE(pipe(fds) == 0);
        pid = fork();
        if (pid == 0) {
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            std::vector<char*> argv{const_cast<char*>(BRAID_BINARY)};
            for (std::string& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            execv(BRAID_BINARY, argv.data());
            _exit(127);
        }
        close(fds[1]);
        FILE* out = fdopen(fds[0], "r");
        char line[512] = {};
        REQUIRE(std::fgets(line, sizeof line, out) != nullptr);  // blocks until the server listens
        std::fclose(out);
        std::string text(line);
        auto colon = text.rfind(':', text.find("/v1"));
        port = static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1)));
        (void)dir;
    }
    int stop() {
        kill(pid, SIGTERM);
        return braid::test::wait_exit(pid);
    }
};

}  // namespace

TEST_CASE("braid serve answers OpenAI requests from the symbolic backend and stops on SIGTERM",
          "[orchestrator][serve]") {
    TempDir dir;
    ServeProcess server(dir, {"serve", "--backend", "symbolic", "--port", "0", "--model-name", "countdown-sos"});
    REQUIRE(server.port > 0);

    auto models = braid::test::exchange(server.port, braid::test::get("/v1/models"));
    REQUIRE(models.status == 200);
    REQUIRE(json::parse(models.body)["data"][0]["id"] == "countdown-sos");

    json body{{"model", "countdown-sos"},
              {"prompt", "Moving to Node #0\nCurrent State: 24:[2, 3, 4], Operations: []"},
              {"max_tokens", 2000},
              {"seed", 1}};
    auto reply = braid::test::exchange(server.port, braid::test::post("/v1/completions", body.dump()));
    REQUIRE(reply.status == 200);
    json completion = json::parse(reply.body);
    REQUIRE(completion["object"] == "text_completion");
    REQUIRE(completion["choices"][0]["text"].get<std::string>().find("Goal Reached") != std::string::npos);
    REQUIRE(completion["usage"]["completion_tokens"].get<int>() > 0);

    auto bad = braid::test::exchange(server.port, braid::test::post("/v1/completions", "{not json"));
    REQUIRE(bad.status == 400);
    REQUIRE(json::parse(bad.body).contains("error"));

    REQUIRE(server.stop() == 0);
}

TEST_CASE("braid serve refuses a backend it cannot serve", "[orchestrator][serve]") {
    TempDir dir;
    auto o = braid::test::run_braid({"serve", "--backend", "replay", "--port", "0"}, dir);
    REQUIRE(o.exit_code == 2);
    REQUIRE(o.err.find("cannot serve --backend replay") != std::string::npos);
}
