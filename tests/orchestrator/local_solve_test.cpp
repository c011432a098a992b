// `braid solve --backend local` end to end on a tiny real GGUF: every sample is a real engine
// call with exact token counts, the run is stored, and `braid replay` reproduces it offline.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/backends_local/tiny_model_files.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;
using nlohmann::json;

TEST_CASE("braid solve --backend local runs every sample on the engine and replays offline",
          "[orchestrator][local]") {
    TempDir dir;
    const std::string model = (braid::test::tiny_model_dir() / "qwen2.gguf").string();
    const std::string tasks = std::string(BRAID_SOURCE_DIR) + "/examples/countdown/sample.jsonl";
    const std::string db = dir / "local.db";
    auto solved =
        braid::test::run_braid({"solve", tasks, "--backend", "local", "--model", model, "--threads",
                                "1", "--samples", "2", "--seed", "5", "--db", db, "--json"},
                               dir);
    INFO(solved.err);
    // A random-weight model solves nothing: the run finishes with "unsolved" (exit 1).
    REQUIRE(solved.exit_code == 1);
    json summary = json::parse(solved.out);
    CHECK(summary["backend"] == "local");
    CHECK(summary["status"] == "finished");
    const std::size_t task_count = summary["tasks"].size();
    REQUIRE(task_count > 0);
    CHECK(summary["model_calls"] == 2 * task_count);
    CHECK(summary["prompt_tokens"].get<std::int64_t>() > 0);
    CHECK(summary["completion_tokens"].get<std::int64_t>() > 0);

    auto replayed = braid::test::run_braid({"replay", "1", "--db", db, "--json"}, dir);
    INFO(replayed.err);
    json replay = json::parse(replayed.out);
    CHECK(replay["model_calls"] == 0);
    CHECK(replay["mismatches"] == 0);
}

TEST_CASE("braid solve with no backend and no model runs braid's shipped model on the local engine",
          "[orchestrator][local]") {
    TempDir dir;
    const std::string model = std::string(BRAID_SOURCE_DIR) + "/models/countdown-direct.gguf";
    const std::string tasks = std::string(BRAID_SOURCE_DIR) + "/examples/countdown/sample.jsonl";
    const std::string db = dir / "default.db";
    auto solved = braid::test::run_braid(
        {"solve", tasks, "--samples", "1", "--max-tokens", "24", "--threads", "1", "--db", db, "--json"}, dir);
    INFO(solved.err);
    REQUIRE(solved.exit_code <= 1);  // solved or not, the run finished
    json summary = json::parse(solved.out);
    CHECK(summary["backend"] == "local");
    CHECK(summary["completion_tokens"].get<std::int64_t>() > 0);

    auto shown = braid::test::run_braid({"runs", "show", "1", "--db", db, "--json"}, dir);
    REQUIRE(shown.exit_code == 0);
    const json run = json::parse(shown.out);
    int model_nodes = 0;
    for (const json& node : run["nodes"])
        if (node["backend"] == "local") {
            CHECK(node["model"] == model);
            ++model_nodes;
        }
    CHECK(model_nodes == static_cast<int>(summary["tasks"].size()));
}
