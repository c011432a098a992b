#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/backends_local/tiny_model_files.hpp"
#include "tests/backends_server/test_client.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;
using nlohmann::json;

using braid::test::ServeProcess;

TEST_CASE("braid serve answers OpenAI requests from the symbolic backend and stops on SIGTERM",
          "[orchestrator][serve]") {
    TempDir dir;
    ServeProcess server({"serve", "--backend", "symbolic", "--port", "0", "--model-name", "countdown-sos"});
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

TEST_CASE("braid solve over the openai backend against braid serve gives the symbolic answers and never stores the key",
          "[orchestrator][serve][openai]") {
    TempDir dir;
    ServeProcess server({"serve", "--backend", "symbolic", "--port", "0", "--model-name", "sos"});
    const std::string secret = "sk-test-DO-NOT-STORE-8c1f0e";
    REQUIRE(setenv("BRAID_TEST_API_KEY", secret.c_str(), 1) == 0);
    const std::string tasks = braid::test::example("examples/countdown/sample.jsonl");
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/v1";

    auto remote = braid::test::run_braid({"solve", tasks, "--backend", "openai", "--base-url", url, "--model", "sos",
                                          "--api-key-env", "BRAID_TEST_API_KEY", "--samples", "3", "--seed", "9",
                                          "--db", dir / "braid.db", "--json", "-v"}, dir);
    unsetenv("BRAID_TEST_API_KEY");
    INFO(remote.err);
    REQUIRE((remote.exit_code == 0 || remote.exit_code == 1));
    json remote_summary = json::parse(remote.out);
    REQUIRE(remote_summary["model_calls"] == 24);

    // The same seeds straight on the symbolic backend select the same answers.
    auto local = braid::test::run_braid({"solve", tasks, "--backend", "symbolic", "--samples", "3", "--seed", "9",
                                         "--db", dir / "local.db", "--json"}, dir);
    REQUIRE(braid::test::tasks_without_wall_time(json::parse(local.out)["tasks"]) ==
            braid::test::tasks_without_wall_time(remote_summary["tasks"]));

    // The key is in no output and nowhere in the database files.
    auto show = braid::test::run_braid({"runs", "show", "1", "--db", dir / "braid.db", "--json"}, dir);
    REQUIRE(show.exit_code == 0);
    REQUIRE(json::parse(show.out)["config"]["api_key_env"] == "BRAID_TEST_API_KEY");
    for (const std::string& text : {remote.out, remote.err, show.out}) REQUIRE(text.find(secret) == std::string::npos);
    for (const char* file : {"braid.db", "braid.db-wal"}) {
        std::string bytes = braid::test::slurp(dir / file);
        INFO(file);
        REQUIRE(bytes.find(secret) == std::string::npos);
        REQUIRE(bytes.find("sk-test") == std::string::npos);
    }
    REQUIRE(server.stop() == 0);
}

TEST_CASE("braid solve --backend openai without a base URL or with an unset key variable exits 2",
          "[orchestrator][openai]") {
    TempDir dir;
    const std::string tasks = braid::test::example("examples/countdown/sample.jsonl");
    auto no_url = braid::test::run_braid({"solve", tasks, "--backend", "openai", "--db", dir / "x.db"}, dir);
    REQUIRE(no_url.exit_code == 2);
    REQUIRE(no_url.err.find("--base-url") != std::string::npos);
    unsetenv("BRAID_TEST_UNSET_KEY");
    auto no_key = braid::test::run_braid({"solve", tasks, "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1",
                                          "--api-key-env", "BRAID_TEST_UNSET_KEY", "--db", dir / "x.db"}, dir);
    REQUIRE(no_key.exit_code == 2);
    REQUIRE(no_key.err.find("BRAID_TEST_UNSET_KEY") != std::string::npos);
}

TEST_CASE("braid serve --backend local answers a chat request from the tiny model", "[orchestrator][serve][local]") {
    TempDir dir;
    const std::string model = (braid::test::tiny_model_dir() / "qwen2.gguf").string();
    ServeProcess server({"serve", "--backend", "local", "--model", model, "--threads", "1", "--port", "0"});
    REQUIRE(server.port > 0);

    auto models = braid::test::exchange(server.port, braid::test::get("/v1/models"));
    REQUIRE(models.status == 200);
    REQUIRE(json::parse(models.body)["data"][0]["id"] == "qwen2");

    json body{{"model", "qwen2"},
              {"messages", json::array({json{{"role", "user"}, {"content", "hello there"}}})},
              {"max_tokens", 5},
              {"temperature", 0}};
    auto first = braid::test::exchange(server.port, braid::test::post("/v1/chat/completions", body.dump()));
    auto second = braid::test::exchange(server.port, braid::test::post("/v1/chat/completions", body.dump()));
    INFO(first.body);
    REQUIRE(first.status == 200);
    json reply = json::parse(first.body);
    REQUIRE(reply["object"] == "chat.completion");
    REQUIRE(reply["usage"]["prompt_tokens"].get<int>() > 5);
    int completion_tokens = reply["usage"]["completion_tokens"].get<int>();
    REQUIRE((completion_tokens >= 1 && completion_tokens <= 5));
    std::string finish = reply["choices"][0]["finish_reason"].get<std::string>();
    REQUIRE((finish == "length") == (completion_tokens == 5));
    REQUIRE(json::parse(second.body)["choices"][0]["message"]["content"] == reply["choices"][0]["message"]["content"]);
    REQUIRE(server.stop() == 0);
}
