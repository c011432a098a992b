#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::example;
using braid::test::run_braid;
using braid::test::TempDir;
using nlohmann::json;

TEST_CASE("braid resume finishes a run killed with SIGKILL or stopped by SIGINT or SIGTERM without re-requesting stored completions",
          "[orchestrator][cli][resume]") {
    // SIGKILL leaves the run `running`; SIGINT and SIGTERM stop it cleanly (issue 18, finding 5):
    // `interrupted`, exit 128 + the signal. Either way resume continues it.
    const int signal_sent = GENERATE(SIGKILL, SIGINT, SIGTERM);
    INFO("signal " << signal_sent);
    TempDir dir;
    const std::string db = dir / "braid.db";
    const std::vector<std::string> solve_args{"solve", example("examples/countdown/sample.jsonl"), "--db", db,
                                              "--backend", "symbolic", "--samples", "4", "--seed", "11", "--parallel", "1",
                                              "--latency-ms", "0.2", "--verbose"};

    // Start a slow run and kill it once two tasks are done; the child announces each finished
    // task on stderr, which we read through a pipe (the read blocks until the line exists).
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    braid::test::SpawnOptions to_pipe;
    to_pipe.stderr_pipe_write = fds[1];
    pid_t pid = braid::test::spawn_braid(solve_args, dir, "killed", to_pipe);
    close(fds[1]);
    FILE* err = fdopen(fds[0], "r");
    int finished_tasks = 0;
    char line[4096];
    while (finished_tasks < 2 && std::fgets(line, sizeof line, err))
        if (std::string(line).find(" finished: ") != std::string::npos) ++finished_tasks;
    REQUIRE(finished_tasks == 2);
    REQUIRE(kill(pid, signal_sent) == 0);
    REQUIRE(braid::test::wait_exit(pid) == 128 + signal_sent);
    std::fclose(err);

    std::int64_t stored_before = 0;
    {
        auto store = braid::store::Store::open(db);
        auto runs = store->runs();
        REQUIRE(runs.size() == 1);
        REQUIRE(runs[0].status == (signal_sent == SIGKILL ? braid::store::RunStatus::running
                                                           : braid::store::RunStatus::interrupted));
        stored_before = store->count_completions();
        std::size_t done = 0;
        for (const auto& t : store->tasks(runs[0].id)) done += t.outcome.has_value();
        REQUIRE(done >= 2);
        REQUIRE(done < 8);
    }
    REQUIRE(stored_before >= 8);

    auto resumed = run_braid({"resume", "1", "--db", db, "--json"}, dir);
    INFO(resumed.err);
    REQUIRE((resumed.exit_code == 0 || resumed.exit_code == 1));
    json summary = json::parse(resumed.out);
    REQUIRE(summary["total"] == 8);

    auto store = braid::store::Store::open(db);
    // Every request that reached the model during resume added one new completion: none of the
    // completions stored before the kill was requested again.
    REQUIRE(store->count_completions() == stored_before + summary["model_calls"].get<std::int64_t>());
    REQUIRE(store->count_completions() == 32);
    REQUIRE(store->run(braid::RunId{1})->status == braid::store::RunStatus::finished);

    // The resumed run selects what an uninterrupted run with the same seed selects.
    TempDir clean;
    std::vector<std::string> args = solve_args;
    args[3] = clean / "braid.db";
    args.pop_back();
    args.push_back("--json");
    auto fresh = run_braid(args, clean);
    REQUIRE(fresh.exit_code == resumed.exit_code);
    REQUIRE(json::parse(fresh.out)["solved"] == summary["solved"]);
    json a = json::parse(fresh.out)["tasks"];
    for (std::size_t i = 0; i < a.size(); ++i) {
        bool found = false;
        for (const auto& t : summary["tasks"])
            if (t["id"] == a[i]["id"]) {
                REQUIRE(t["answer"] == a[i]["answer"]);
                found = true;
            }
        REQUIRE(found);
    }
}

TEST_CASE("braid resume of an unknown run exits 2 and of a finished run does nothing", "[orchestrator][cli][resume]") {
    TempDir dir;
    auto no_db = run_braid({"resume", "5", "--db", dir / "braid.db"}, dir);
    REQUIRE(no_db.exit_code == 2);
    REQUIRE(no_db.err.find("no braid database at") != std::string::npos);

    auto solved = run_braid({"solve", example("examples/countdown/sample.jsonl"), "--backend", "symbolic", "--samples", "8", "--db",
                             dir / "braid.db", "--json"}, dir);
    REQUIRE(solved.exit_code == 0);
    auto missing = run_braid({"resume", "5", "--db", dir / "braid.db"}, dir);
    REQUIRE(missing.exit_code == 2);
    REQUIRE(missing.err.find("run 5") != std::string::npos);
    auto again = run_braid({"resume", "1", "--db", dir / "braid.db", "--json"}, dir);
    REQUIRE(again.exit_code == 0);
    REQUIRE(json::parse(again.out)["model_calls"] == 0);
}
