// Step search on the local engine gives the same answers in-process and over HTTP: `braid solve
// --strategy beam --backend local` and the same solve through `braid serve --backend local` +
// `--backend openai`, with temperature > 0 and a fixed seed, produce identical candidates.
//
// The model is tiny_models.py's qwen2_bytes: byte tokens only, and only ASCII bytes (or the end
// token) can be sampled, so the text a step generated re-encodes to exactly the tokens generated:
// a text-level fork continues the very sequence a KV-level fork would.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;
using nlohmann::json;

namespace {


std::vector<std::string> candidate_outputs(const std::string& db) {
    auto store = braid::store::Store::open(db);
    std::vector<std::string> out;
    for (const auto& c : store->candidates(braid::RunId{1})) out.push_back(c.output);
    return out;
}

}  // namespace

TEST_CASE(
    "Beam search on the local engine gives the same candidates in-process and through braid serve",
    "[orchestrator][local][search]") {
    TempDir dir;
    const std::string models = dir / "models";
    const std::string make = "/usr/bin/python3 " + std::string(BRAID_SOURCE_DIR) +
                             "/tests/backends_local/tiny_models.py " + models +
                             " qwen2_bytes >/dev/null";
    REQUIRE(std::system(make.c_str()) == 0);
    const std::string model = models + "/qwen2_bytes.gguf";
    const std::string tasks = dir / "tasks.jsonl";
    std::ofstream(tasks)
        << R"({"id": "cd-1", "kind": "countdown", "numbers": [22, 26, 31, 53], "target": 27})"
        << "\n";
    const std::vector<std::string> search{
        "--strategy",    "beam", "--beam-width",  "2",   "--expansions", "3",  "--max-steps", "3",
        "--step-tokens", "12",   "--temperature", "0.9", "--seed",       "11", "--json"};

    std::vector<std::string> local_args{"solve",   tasks,           "--backend", "local",
                                        "--model", model,           "--threads", "1",
                                        "--db",    dir / "local.db"};
    local_args.insert(local_args.end(), search.begin(), search.end());
    auto local = braid::test::run_braid(local_args, dir);
    INFO(local.err);
    REQUIRE((local.exit_code == 0 || local.exit_code == 1));

    braid::test::ServeProcess server(
        {"serve", "--backend", "local", "--model", model, "--threads", "1", "--port", "0"});
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port) + "/v1";
    std::vector<std::string> http_args{
        "solve", tasks,     "--backend",   "openai", "--base-url",
        url,     "--model", "qwen2_bytes", "--db",   dir / "http.db"};
    http_args.insert(http_args.end(), search.begin(), search.end());
    auto http = braid::test::run_braid(http_args, dir);
    INFO(http.err);
    REQUIRE(server.stop() == 0);
    REQUIRE(http.exit_code == local.exit_code);

    // Up to 3 + 6 + 6 step calls (fewer if a thread ends early), the same either way.
    json local_summary = json::parse(local.out), http_summary = json::parse(http.out);
    CHECK(local_summary["model_calls"].get<int>() > 3);
    CHECK(local_summary["model_calls"].get<int>() <= 15);
    CHECK(local_summary["model_calls"] == http_summary["model_calls"]);
    CHECK(braid::test::tasks_without_wall_time(local_summary["tasks"]) ==
          braid::test::tasks_without_wall_time(http_summary["tasks"]));
    CHECK(local_summary["prompt_tokens"] == http_summary["prompt_tokens"]);
    CHECK(local_summary["completion_tokens"] == http_summary["completion_tokens"]);

    std::vector<std::string> in_process = candidate_outputs(dir / "local.db");
    std::vector<std::string> over_http = candidate_outputs(dir / "http.db");
    REQUIRE(in_process.size() >= 2);
    REQUIRE(in_process == over_http);
    // Sampling at temperature 0.9 makes the candidates differ, so equality is not trivial.
    CHECK(in_process[0] != in_process[1]);
    for (const std::string& text : in_process) {
        CHECK(!text.empty());
        for (char c : text) CHECK(static_cast<unsigned char>(c) < 128);
    }
}
