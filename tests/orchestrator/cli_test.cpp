#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::example;
using braid::test::Outcome;
using braid::test::run_braid;
using braid::test::TempDir;
using nlohmann::json;

namespace {
const std::string sample_tasks = example("examples/countdown/sample.jsonl");

// `braid solve` of the sample with `extra`; on the symbolic stand-in unless `extra` names a backend.
Outcome solve(const TempDir& dir, std::vector<std::string> extra) {
    std::vector<std::string> args{"solve", sample_tasks, "--db", dir / "braid.db", "--json"};
    if (std::find(extra.begin(), extra.end(), "--backend") == extra.end())
        args.insert(args.end(), {"--backend", "symbolic"});
    args.insert(args.end(), extra.begin(), extra.end());
    return run_braid(args, dir);
}
}  // namespace

TEST_CASE("braid solve with the symbolic backend solves the sample best-of-8 and records the run",
          "[orchestrator][cli]") {
    TempDir dir;
    Outcome o = solve(dir, {"--backend", "symbolic", "--strategy", "best-of-n", "--samples", "8"});
    INFO(o.err);
    REQUIRE(o.exit_code == 0);
    json summary = json::parse(o.out);
    REQUIRE(summary["solved"] == summary["total"]);
    REQUIRE(summary["total"] == 8);
    REQUIRE(summary["model_calls"] == 64);

    Outcome show = run_braid({"runs", "show", std::to_string(summary["run"].get<int>()), "--db", dir / "braid.db", "--json"}, dir);
    REQUIRE(show.exit_code == 0);
    json run = json::parse(show.out);
    // root + 8 tasks × (8 samples + join)
    REQUIRE(run["nodes"].size() == 1 + 8 * 10);
    std::size_t joins = 0;
    for (const auto& e : run["edges"]) joins += e["kind"] == "join";
    REQUIRE(joins == 64);
    REQUIRE(run["completion_tokens"].get<int>() > 0);

    Outcome human = run_braid({"runs", "show", std::to_string(summary["run"].get<int>()), "--db", dir / "braid.db"}, dir);
    REQUIRE(human.exit_code == 0);
    REQUIRE(human.out.find("joins 8 threads") != std::string::npos);
    REQUIRE(human.out.find("solved 8/8") != std::string::npos);
}

TEST_CASE("braid replay re-selects the same answers from the store with no model calls", "[orchestrator][cli]") {
    TempDir dir;
    for (const char* strategy : {"best-of-n", "self-consistency", "first-finish"}) {
        INFO(strategy);
        Outcome o = solve(dir, {"--strategy", strategy, "--samples", "5", "--seed", "7"});
        REQUIRE((o.exit_code == 0 || o.exit_code == 1));
        json summary = json::parse(o.out);
        Outcome r = run_braid({"replay", std::to_string(summary["run"].get<int>()), "--db", dir / "braid.db", "--json"}, dir);
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == o.exit_code);
        json replay = json::parse(r.out);
        REQUIRE(replay["mismatches"] == 0);
        REQUIRE(replay["model_calls"] == 0);
        for (std::size_t i = 0; i < summary["tasks"].size(); ++i)
            REQUIRE(replay["tasks"][i]["answer"] == summary["tasks"][i]["answer"]);
    }
}

TEST_CASE("The --verifier option replaces a sampling strategy's rule live and in replay, and other strategies refuse it",
          "[orchestrator][cli]") {
    TempDir dir;
    Outcome o = solve(dir, {"--strategy", "self-consistency", "--samples", "4", "--seed", "7", "--verifier", "shortest"});
    INFO(o.err);
    REQUIRE((o.exit_code == 0 || o.exit_code == 1));
    json summary = json::parse(o.out);
    Outcome r = run_braid({"replay", std::to_string(summary["run"].get<int>()), "--db", dir / "braid.db", "--json"}, dir);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == o.exit_code);
    json replay = json::parse(r.out);
    CHECK(replay["rule"] == "shortest");
    CHECK(replay["mismatches"] == 0);

    Outcome refused = solve(dir, {"--strategy", "apr", "--backend", "symbolic-apr", "--verifier", "majority"});
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find("--verifier applies to") != std::string::npos);
    Outcome oracle = solve(dir, {"--strategy", "best-of-n", "--verifier", "best-score:oracle"});
    CHECK(oracle.exit_code == 2);
    CHECK(oracle.err.find("oracle") != std::string::npos);
}

TEST_CASE("The replay backend re-runs a stored run offline with identical answers", "[orchestrator][cli]") {
    TempDir dir;
    Outcome first = solve(dir, {"--samples", "4", "--seed", "3"});
    REQUIRE(first.exit_code == 0);
    Outcome again = solve(dir, {"--samples", "4", "--seed", "3", "--backend", "replay"});
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    json a = json::parse(first.out), b = json::parse(again.out);
    REQUIRE(b["model_calls"] == 0);
    REQUIRE(b["stored_completions"] == 32);
    REQUIRE(braid::test::tasks_without_wall_time(a["tasks"]) == braid::test::tasks_without_wall_time(b["tasks"]));

    Outcome other_seed = solve(dir, {"--samples", "4", "--seed", "4", "--backend", "replay"});
    REQUIRE(other_seed.exit_code == 3);  // nothing recorded for these requests: no model to ask
}

TEST_CASE("Bad input is rejected with a clear message and exit 2, and stored runs survive", "[orchestrator][cli]") {
    TempDir dir;
    Outcome good = solve(dir, {"--samples", "8"});
    REQUIRE(good.exit_code == 0);

    std::ofstream(dir / "bad.jsonl") << "{\"id\": \"cd-1\", \"kind\": \"countdown\", \"numbers\": [1, 2], \"target\": 3}\n"
                                     << "{not json\n";
    Outcome malformed = run_braid({"solve", dir / "bad.jsonl", "--backend", "symbolic", "--db", dir / "braid.db"}, dir);
    REQUIRE(malformed.exit_code == 2);
    REQUIRE(malformed.err.find("bad.jsonl:2: line is not valid JSON") != std::string::npos);

    Outcome strategy = solve(dir, {"--strategy", "telepathy"});
    REQUIRE(strategy.exit_code == 2);
    REQUIRE(strategy.err.find("unknown strategy 'telepathy'") != std::string::npos);

    Outcome missing = run_braid({"solve", dir / "nope.jsonl", "--backend", "symbolic", "--db", dir / "braid.db"}, dir);
    REQUIRE(missing.exit_code == 2);
    REQUIRE(missing.err.find("nope.jsonl") != std::string::npos);

    Outcome db = run_braid({"solve", sample_tasks, "--backend", "symbolic", "--db", "/nonexistent-dir/x/braid.db"}, dir);
    REQUIRE(db.exit_code == 2);
    REQUIRE(db.err.find("/nonexistent-dir/x/braid.db") != std::string::npos);

    Outcome backend = solve(dir, {"--backend", "vllm"});
    REQUIRE(backend.exit_code == 2);
    REQUIRE(backend.err ==
            "braid: invalid input: unknown backend 'vllm' (known: symbolic, symbolic-apr, "
            "scripted, openai, local, replay)\n");

    Outcome budget = solve(dir, {"--budget", "dollars=5"});
    REQUIRE(budget.exit_code == 2);
    REQUIRE(budget.err.find("unknown unit 'dollars'") != std::string::npos);

    Outcome option = run_braid({"solve", sample_tasks, "--samples", "many"}, dir);
    REQUIRE(option.exit_code == 2);

    // Numbers that parse but mean nothing (issue 18, finding 8).
    for (const char* temperature : {"nan", "inf", "-0.5"}) {
        Outcome t = solve(dir, {"--temperature", temperature});
        CHECK(t.exit_code == 2);
        CHECK(t.err.find("--temperature must be a finite number, not negative") != std::string::npos);
    }
    Outcome latency = solve(dir, {"--latency-ms", "nan"});
    CHECK(latency.exit_code == 2);
    CHECK(latency.err.find("--latency-ms must be a finite number") != std::string::npos);
    Outcome seed = solve(dir, {"--seed", "-1"});
    CHECK(seed.exit_code == 2);
    CHECK(seed.err.find("--seed") != std::string::npos);
    Outcome generate_seed = run_braid({"countdown", "generate", "--seed", "-1"}, dir);
    CHECK(generate_seed.exit_code == 2);

    // Commands that only read runs never create a database (issue 18, finding 8).
    for (std::vector<std::string> command : std::vector<std::vector<std::string>>{
             {"runs", "ls"}, {"runs", "show", "1"}, {"eval", "1"}, {"replay", "1"}, {"resume", "1"}}) {
        command.insert(command.end(), {"--db", dir / "typo.db"});
        Outcome typo = run_braid(command, dir);
        CHECK(typo.exit_code == 2);
        CHECK(typo.err.find("no braid database at") != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(dir / "typo.db"));
    }

    Outcome no_run = run_braid({"runs", "show", "999", "--db", dir / "braid.db"}, dir);
    REQUIRE(no_run.exit_code == 2);

    // Nothing above disturbed the one good run.
    Outcome ls = run_braid({"runs", "ls", "--db", dir / "braid.db", "--json"}, dir);
    REQUIRE(ls.exit_code == 0);
    json runs = json::parse(ls.out);
    REQUIRE(runs.size() == 1);
    REQUIRE(runs[0]["solved"] == 8);
}

TEST_CASE("A budget too small for every sample stops work and exits 4", "[orchestrator][cli]") {
    TempDir dir;
    Outcome o = solve(dir, {"--samples", "4", "--budget", "samples=6", "--parallel", "1"});
    INFO(o.err);
    REQUIRE(o.exit_code == 4);
    json summary = json::parse(o.out);
    std::size_t refused = 0;
    for (const auto& t : summary["tasks"]) refused += t["status"] == "budget_exhausted";
    REQUIRE(refused == 6);  // tasks 1-2 got the 6 samples (4 + 2), the remaining 6 got none
}

TEST_CASE("A disk that fills up mid-run exits 3 with the cause and the run is kept and resumes",
          "[orchestrator][cli]") {
    // Issue 18, finding 8: a full disk is the machine failing (3), not bad input (it was 2).
    TempDir dir;
    const std::string db = dir / "braid.db";
    const std::string tasks = example("examples/countdown/sample.jsonl");
    Outcome first = run_braid({"solve", tasks, "--backend", "symbolic", "--samples", "1", "--db", db}, dir);
    REQUIRE(first.exit_code <= 1);
    const auto db_bytes = static_cast<rlim_t>(std::filesystem::file_size(db));
    // Files may grow 64 KiB past the database as it is now: far less than 64 samples of 8 tasks.
    braid::test::SpawnOptions small_disk;
    small_disk.max_file_bytes = db_bytes + 64 * 1024;
    Outcome full = run_braid({"solve", tasks, "--backend", "symbolic", "--samples", "64", "--db", db},
                             dir, small_disk);
    CHECK(full.exit_code == 3);
    CHECK(full.err.find("i/o error") != std::string::npos);
    CHECK(full.err.find("internal error") == std::string::npos);
    Outcome resumed = run_braid({"resume", "2", "--db", db, "--json"}, dir);
    INFO(resumed.err);
    CHECK(resumed.exit_code <= 1);
    Outcome listed = run_braid({"runs", "ls", "--db", db, "--json"}, dir);
    REQUIRE(listed.exit_code == 0);
    const json runs = json::parse(listed.out);
    REQUIRE(runs.size() == 2);
    for (const json& run : runs) CHECK(run["status"] == "finished");
}

TEST_CASE("A database on a read-only file and folder is listed and shown and replayed and evaluated",
          "[orchestrator][cli]") {
    // Issue 18, finding 8: `runs ls` wrote a pragma, so a read-only database could not be listed.
    TempDir dir;
    const std::string db = dir / "braid.db";
    Outcome solved = run_braid({"solve", example("examples/countdown/sample.jsonl"), "--backend", "symbolic",
                                "--samples", "2", "--db", db},
                               dir);
    REQUIRE(solved.exit_code <= 1);
    const std::string before = braid::test::slurp(db);
    std::filesystem::permissions(db, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                         std::filesystem::perms::others_read);
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
                                                 std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
                                                 std::filesystem::perms::others_read |
                                                 std::filesystem::perms::others_exec);
    // As root, permissions bind only a process that runs as `nobody`, which must reach braid and
    // the database through folders others may enter (a clone in a 0700 folder is not).
    auto others_reach = [](std::filesystem::path p) {
        for (p = p.parent_path(); !p.empty() && p != p.root_path(); p = p.parent_path())
            if ((std::filesystem::status(p).permissions() & std::filesystem::perms::others_exec) ==
                std::filesystem::perms::none)
                return false;
        return true;
    };
    const bool permissions_bind = geteuid() != 0 || (others_reach(BRAID_BINARY) && others_reach(db));
    braid::test::SpawnOptions as_nobody;
    if (permissions_bind) as_nobody.user_if_root = braid::test::nobody_uid;
    for (const std::vector<std::string>& command :
         {std::vector<std::string>{"runs", "ls", "--db", db}, {"runs", "show", "1", "--db", db},
          {"replay", "1", "--db", db}, {"eval", "1", "--db", db}}) {
        Outcome o = run_braid(command, dir, as_nobody);
        INFO(command[0] << " " << command[1] << ": " << o.err);
        CHECK(o.exit_code <= 1);
        CHECK(o.err.find("cannot use") == std::string::npos);
    }
    // A command that writes is refused with the cause, and the database is unchanged.
    if (permissions_bind) {
        Outcome resumed = run_braid({"resume", "1", "--db", db}, dir, as_nobody);
        CHECK(resumed.exit_code == 2);
    }
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);  // for TempDir's cleanup
    CHECK(braid::test::slurp(db) == before);
}

TEST_CASE("braid doctor reports the machine's capabilities", "[orchestrator][cli]") {
    TempDir dir;
    Outcome o = run_braid({"doctor", "--json"}, dir);
    REQUIRE(o.exit_code == 0);
    json j = json::parse(o.out);
    REQUIRE(j.contains("cuda"));
    REQUIRE(j["sqlite"].get<std::string>().substr(0, 2) == "3.");
    REQUIRE(j["cores"].get<int>() >= 1);
    const auto layers = j["sandbox"]["layers"].get<std::vector<std::string>>();
    REQUIRE(layers.size() >= 2);
    REQUIRE(layers[0] == "rlimits");
}

TEST_CASE("A wall-clock budget stops the run: threads in flight are cancelled and later tasks never start",
          "[orchestrator][cli]") {
    TempDir dir;
    // Every streamed line takes 50 ms, so no sample can finish inside the 0.2 s budget.
    Outcome o = solve(dir, {"--samples", "2", "--budget", "wall_s=0.2", "--latency-ms", "50", "--parallel", "1"});
    INFO(o.err);
    REQUIRE(o.exit_code == 4);
    json summary = json::parse(o.out);
    REQUIRE(summary["status"] == "budget_exhausted");
    for (const auto& t : summary["tasks"]) REQUIRE(t["status"] == "budget_exhausted");

    Outcome show = run_braid({"runs", "show", "1", "--db", dir / "braid.db", "--json"}, dir);
    std::size_t cancelled = 0, skipped_tasks = 0;
    json run = json::parse(show.out);
    for (const auto& n : run["nodes"]) {
        cancelled += n["kind"] == "sample" && n["status"] == "cancelled";
        skipped_tasks += n["kind"] == "task" && n["status"] == "skipped";
    }
    REQUIRE(cancelled == 2);       // the first task's two threads, stopped mid-stream
    REQUIRE(skipped_tasks == 8);   // no task finished; seven never started a thread
}

TEST_CASE("Prices turn tokens into USD on the ledger, and a USD budget refuses what it cannot cover",
          "[orchestrator][cli]") {
    TempDir dir;
    Outcome priced = solve(dir, {"--samples", "2", "--usd-per-mtok-in", "1", "--usd-per-mtok-out", "2"});
    REQUIRE((priced.exit_code == 0 || priced.exit_code == 1));
    json summary = json::parse(priced.out);
    double expected = (summary["prompt_tokens"].get<double>() * 1 + summary["completion_tokens"].get<double>() * 2) / 1e6;
    REQUIRE(summary["cost_usd"].get<double>() == Approx(expected));

    // Each sample's worst case is 4096 completion tokens at $1000 per million: more than $0.5.
    Outcome refused = solve(dir, {"--samples", "2", "--usd-per-mtok-out", "1000", "--budget", "usd=0.5"});
    REQUIRE(refused.exit_code == 4);

    std::ofstream(dir / "prices.json") << R"({"gpt-x": {"input": -1, "output": 2}})";
    Outcome bad = solve(dir, {"--prices", dir / "prices.json"});
    REQUIRE(bad.exit_code == 2);
    REQUIRE(bad.err.find("gpt-x") != std::string::npos);
}

TEST_CASE("braid countdown generate and traces draw from the pool named, and refuse an unknown one",
          "[orchestrator][cli]") {
    TempDir dir;
    Outcome classic = run_braid({"countdown", "generate", "--pool", "classic", "--seed", "1", "--count", "50"}, dir);
    REQUIRE(classic.exit_code == 0);
    Outcome uniform = run_braid({"countdown", "generate", "--seed", "1", "--count", "50"}, dir);
    REQUIRE(uniform.exit_code == 0);
    CHECK(classic.out != uniform.out);
    std::istringstream lines(classic.out);
    std::string line;
    int rows = 0;
    while (std::getline(lines, line)) {
        ++rows;
        const json problem = json::parse(line);
        REQUIRE(problem["numbers"].size() == 4);
        for (int n : problem["numbers"]) CHECK(((n >= 1 && n <= 10) || n % 25 == 0));
    }
    CHECK(rows == 50);

    Outcome traces = run_braid(
        {"countdown", "traces", "--pool", "classic", "--style", "direct", "--seed", "1000000", "--count", "2"}, dir);
    REQUIRE(traces.exit_code == 0);
    CHECK(json::parse(traces.out.substr(0, traces.out.find('\n')))["solved"] == true);

    for (const char* command : {"generate", "traces"}) {
        Outcome bad = run_braid({"countdown", command, "--pool", "tv"}, dir);
        CHECK(bad.exit_code == 2);
        CHECK(bad.err == "braid: invalid input: --pool 'tv' is not one of uniform, classic\n");
    }
}
