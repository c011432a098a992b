// A run's limits on what it makes (issue 18 finding 7): --max-nodes and --max-stored-mb. A plan
// that cannot fit is refused before anything is written (exit 2); a run that passes a limit stops
// its tasks as the budget does (exit 4), naming the limit, with the database bounded by it.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;
using nlohmann::json;

namespace {

const std::string kTasks =
    std::string(BRAID_SOURCE_DIR) + "/examples/countdown/sample.jsonl";  // 8 tasks

}  // namespace

TEST_CASE("A sampling plan past --max-nodes is refused before anything is written",
          "[orchestrator][limits]") {
    TempDir dir;
    const std::string db = dir / "limits.db";
    auto refused = braid::test::run_braid(
        {"solve", kTasks, "--backend", "symbolic", "--samples", "100000", "--db", db}, dir);
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find(
              "8 tasks × --samples 100000 make at least 800000 threads, past --max-nodes 100000") !=
          std::string::npos);
    CHECK_FALSE(std::filesystem::exists(db));

    for (const std::vector<std::string>& bad : {std::vector<std::string>{"--max-nodes", "0"},
                                                {"--max-nodes", "99999999999"},
                                                {"--max-stored-mb", "0"},
                                                {"--max-stored-mb", "-3"}}) {
        std::vector<std::string> args{"solve", kTasks, "--backend", "symbolic", "--db", db};
        args.insert(args.end(), bad.begin(), bad.end());
        auto o = braid::test::run_braid(args, dir);
        INFO(bad[0] << " " << bad[1] << ": " << o.err);
        CHECK(o.exit_code == 2);
        CHECK(o.err.find(bad[0]) != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("A run that passes --max-nodes stops with exit 4, naming the limit",
          "[orchestrator][limits]") {
    TempDir dir;
    const std::string db = dir / "limits.db";
    auto o = braid::test::run_braid(
        {"solve", kTasks, "--strategy", "apr", "--backend", "symbolic-apr", "--samples", "4",
         "--max-nodes", "40", "--parallel", "1", "--db", db, "--json"},
        dir);
    INFO(o.err);
    CHECK(o.exit_code == 4);
    json summary = json::parse(o.out);
    CHECK(summary["status"] == "budget_exhausted");
    int stopped = 0;
    for (const json& t : summary["tasks"])
        if (t["status"] == "budget_exhausted") {
            ++stopped;
            CHECK(t["error"].get<std::string>().find("more than 40 nodes (--max-nodes)") !=
                  std::string::npos);
        }
    CHECK(stopped >= 7);  // one task at a time: the limit trips in the first or second
    auto shown = braid::test::run_braid({"runs", "show", "1", "--db", db, "--json"}, dir);
    REQUIRE(shown.exit_code == 0);
    // Past the limit by what was in flight only: the threads of one APR task.
    CHECK(json::parse(shown.out)["nodes"].size() < 40 + 100);
}

TEST_CASE("A run that passes --max-stored-mb stops with exit 4, naming the limit",
          "[orchestrator][limits]") {
    TempDir dir;
    const std::string db = dir / "limits.db";
    auto o = braid::test::run_braid(
        {"solve", kTasks, "--backend", "symbolic", "--samples", "400", "--latency-ms", "1",
         "--parallel", "1", "--max-stored-mb", "1", "--db", db, "--json"},
        dir);
    INFO(o.err);
    CHECK(o.exit_code == 4);
    json summary = json::parse(o.out);
    int stopped = 0;
    for (const json& t : summary["tasks"])
        if (t["status"] == "budget_exhausted") {
            ++stopped;
            CHECK(t["error"].get<std::string>().find("more than 1 MiB (--max-stored-mb)") !=
                  std::string::npos);
        }
    CHECK(stopped >= 7);
    // The same run without the limit stores far more (the limit did the bounding).
    auto free =
        braid::test::run_braid({"solve", kTasks, "--backend", "symbolic", "--samples", "400",
                                "--parallel", "1", "--db", dir / "free.db", "--json"},
                               dir);
    CHECK(free.exit_code == 0);
    CHECK(std::filesystem::file_size(dir / "free.db") > std::filesystem::file_size(db));
}
