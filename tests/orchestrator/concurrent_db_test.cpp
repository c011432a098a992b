// Two `braid solve` processes started together on a database file that does not exist yet: both
// runs must finish and both must be stored (issue 18, finding 1: the schema version was read
// outside the migration's transaction, and the losing process deleted the file the winner was
// writing; then switching the new file to WAL failed with SQLITE_BUSY, which SQLite returns there
// without waiting). No private file of the creation may be left beside the database.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/orchestrator/process.hpp"

using braid::test::TempDir;
using nlohmann::json;

TEST_CASE("Two processes creating one new database at once both store their runs",
          "[orchestrator][store]") {
    TempDir dir;
    const std::string tasks = braid::test::example("examples/countdown/sample.jsonl");
    constexpr int kTrials = 30;
    int lost = 0;
    for (int trial = 0; trial < kTrials; ++trial) {
        const std::string db = dir / ("race" + std::to_string(trial) + ".db");
        pid_t pids[2];
        for (int p = 0; p < 2; ++p)
            pids[p] = braid::test::spawn_braid({"solve", tasks, "--backend", "symbolic", "--samples", "2",
                                                "--seed", std::to_string(p), "--db", db, "--json"},
                                               dir, "race" + std::to_string(trial) + "-" + std::to_string(p));
        for (int p = 0; p < 2; ++p) {
            const int code = braid::test::wait_exit(pids[p]);
            INFO("trial " << trial << " process " << p << ": "
                          << braid::test::slurp(dir / ("race" + std::to_string(trial) + "-" + std::to_string(p) + ".err")));
            CHECK(code <= 1);  // solved or not, the run finished
        }
        auto listed = braid::test::run_braid({"runs", "ls", "--db", db, "--json"}, dir);
        REQUIRE(listed.exit_code == 0);
        const json runs = json::parse(listed.out);
        if (runs.size() != 2) ++lost;
        for (const json& run : runs) CHECK(run["status"] == "finished");
        for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
            CHECK(entry.path().filename().string().find(".new-") == std::string::npos);
    }
    CHECK(lost == 0);
}
