// `braid solve --strategy apr` end to end over the symbolic APR model: threads spawn and join,
// plan metrics are reported, and the stored run replays and re-solves offline with no model call.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;
using nlohmann::json;

TEST_CASE("braid solve --strategy apr spawns, joins, reports plan metrics and replays offline",
          "[orchestrator][apr]") {
    TempDir dir;
    const std::string tasks = std::string(BRAID_SOURCE_DIR) + "/examples/countdown/sample.jsonl";
    const std::string db = dir / "apr.db";
    auto solved = braid::test::run_braid({"solve", tasks, "--strategy", "apr", "--backend", "symbolic-apr",
                                          "--samples", "2", "--seed", "3", "--db", db, "--json"},
                                         dir);
    INFO(solved.err);
    REQUIRE((solved.exit_code == 0 || solved.exit_code == 1));
    json summary = json::parse(solved.out);
    CHECK(summary["strategy"] == "apr");
    CHECK(summary["solved"].get<int>() > 0);
    int threads = 0, deepest = 0;
    for (const json& t : summary["tasks"]) {
        const json& m = t["metrics"];
        threads += m["threads"].get<int>();
        deepest = std::max(deepest, m["max_depth"].get<int>());
        CHECK(m["critical_path_tokens"].get<std::int64_t>() <= m["total_tokens"].get<std::int64_t>());
        CHECK(m["total_tokens"].get<std::int64_t>() > 0);
    }
    CHECK(threads > 2 * static_cast<int>(summary["tasks"].size()));  // children were spawned
    CHECK(deepest == 2);
    const auto calls = summary["model_calls"].get<int>();

    // The same run again from stored completions only: same answers, no model call.
    auto offline = braid::test::run_braid({"solve", tasks, "--strategy", "apr", "--backend", "replay", "--samples",
                                           "2", "--seed", "3", "--db", db, "--json"},
                                          dir);
    INFO(offline.err);
    json again = json::parse(offline.out);
    CHECK(again["model_calls"] == 0);
    CHECK(again["stored_completions"] == calls);
    REQUIRE(again["tasks"].size() == summary["tasks"].size());
    for (std::size_t i = 0; i < again["tasks"].size(); ++i)
        CHECK(again["tasks"][i]["answer"] == summary["tasks"][i]["answer"]);

    auto replayed = braid::test::run_braid({"replay", "1", "--db", db, "--json"}, dir);
    INFO(replayed.err);
    json replay = json::parse(replayed.out);
    CHECK(replay["model_calls"] == 0);
    CHECK(replay["mismatches"] == 0);
}

TEST_CASE("braid solve rejects out-of-range strategy options with exit 2", "[orchestrator][apr]") {
    TempDir dir;
    const std::string tasks = std::string(BRAID_SOURCE_DIR) + "/examples/countdown/sample.jsonl";
    auto bad = braid::test::run_braid({"solve", tasks, "--strategy", "apr", "--max-depth", "0", "--db",
                                       dir / "x.db"},
                                      dir);
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--max-depth") != std::string::npos);
}
