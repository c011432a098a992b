// End to end: `braid solve --strategy swe` on the three example repositories (examples/swe/) with
// the scripted stand-in that plays six agents per task (examples/swe/scripted_agents.py): real git
// workspaces, real sandboxed test runs, a real SQLite store.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>
#include <chrono>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "tasks/swe/swe_kind.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::example;
using braid::test::Outcome;
using braid::test::run_braid;
using braid::test::TempDir;
using nlohmann::json;

namespace {

std::vector<json> read_jsonl(const std::string& path) {
    std::vector<json> rows;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) rows.push_back(json::parse(line));
    return rows;
}

void write_jsonl(const std::string& path, const std::vector<json>& rows) {
    std::ofstream out(path);
    for (const json& r : rows) out << r.dump() << "\n";
}

// The example tasks with their repositories built into `dir`/repos.
std::vector<json> example_tasks(const TempDir& dir) {
    const std::string build = "bash " + example("examples/swe/make_repos") + " " + (dir / "repos") + " > /dev/null";
    REQUIRE(std::system(build.c_str()) == 0);
    return read_jsonl(example("examples/swe/tasks.jsonl"));
}

Outcome solve(const TempDir& dir, const std::string& tasks, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"solve", tasks, "--strategy", "swe", "--backend", "scripted",
                                  "--script", example("examples/swe/scripted_agents.json"),
                                  "--db", dir / "braid.db", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_braid(args, dir);
}

struct StoredRun {
    std::map<std::string, braid::store::NodeRecord> nodes;            // by path
    std::map<std::string, std::map<std::string, braid::store::VerdictRecord>> verdicts;  // path → verifier → verdict
    std::map<std::string, std::string> outputs;                        // candidate path → output
    std::map<std::string, std::vector<json>> events;                   // path → payloads of status events
};

StoredRun load(const std::string& db) {
    auto store = braid::store::Store::open(db);
    braid::RunId run{1};
    StoredRun out;
    std::map<std::int64_t, std::string> path_of;
    for (auto& n : store->nodes(run)) {
        path_of[n.id.value] = n.path;
        out.nodes[n.path] = n;
    }
    for (auto& v : store->verdicts(run)) out.verdicts[path_of[v.node.value]][v.verifier] = v;
    for (auto& c : store->candidates(run)) out.outputs[path_of[c.node.value]] = c.output;
    for (auto& e : store->events(run)) out.events[path_of[e.node.value]].push_back(json::parse(e.payload_json));
    return out;
}

}  // namespace

// The per-task answer of a replay or eval row: which agent's fix the rule picked.
std::string picked_agent(const StoredRun& run, const std::string& task, const std::string& answer) {
    for (const char* s : {"/s0", "/s1", "/s2", "/s4", "/s5", "/s6"})
        if (run.outputs.count(task + s) &&
            braid::tasks::swe::normalize_patch(run.outputs.at(task + s)) == answer)
            return s;
    return "none";
}

TEST_CASE("swe: seven agents per example task; the hybrid cascade picks the gold fix where majority and the judge "
          "alone pick wrong ones",
          "[orchestrator][swe]") {
    TempDir dir;
    std::vector<json> rows = example_tasks(dir);
    REQUIRE(rows.size() == 3);
    write_jsonl(dir / "tasks.jsonl", rows);  // repo_path "repos/<name>" resolves against dir

    Outcome o = solve(dir, dir / "tasks.jsonl",
                      {"--samples", "7", "--agent-steps", "5", "--repro-tests", "--selector", "--predictions",
                       dir / "preds.jsonl"});
    INFO(o.err);
    REQUIRE(o.exit_code == 0);
    json summary = json::parse(o.out);
    for (const json& t : summary["tasks"]) CHECK(t["status"] == "solved");

    // Predictions: the harness format, one row per task, each the gold fix (up to noise).
    std::vector<json> preds = read_jsonl(dir / "preds.jsonl");
    REQUIRE(preds.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(preds[i]["instance_id"] == rows[i]["instance_id"]);
        CHECK(preds[i]["model_name_or_path"] == "braid-scripted");
        CHECK(braid::tasks::swe::normalize_patch(preds[i]["model_patch"].get<std::string>()) ==
              braid::tasks::swe::normalize_patch(rows[i]["patch"].get<std::string>()));
    }

    StoredRun run = load(dir / "braid.db");
    for (const json& row : rows) {
        const std::string t = "t/" + row["instance_id"].get<std::string>();
        INFO(t);
        // The hidden grade is the oracle: gold fixes resolved, the wrong and the breaking ones not.
        CHECK(run.verdicts[t + "/s1"]["oracle"].score == 1);
        CHECK(run.verdicts[t + "/s4"]["oracle"].score == 1);
        CHECK(run.verdicts[t + "/s1"].count("checker") == 0);
        for (const char* bad : {"/s0", "/s2", "/s5", "/s6"}) {  // the wrong fix may pass some F2P tests: PARTIAL
            CHECK(run.verdicts[t + bad]["oracle"].score == 0);
            CHECK(json::parse(run.verdicts[t + bad]["oracle"].details_json)["reason"].get<std::string>().find(
                      "RESOLVED_FULL") == std::string::npos);
        }
        // Every fix applies; the breaking patch loses a test that passed at base.
        for (const char* s : {"/s0", "/s1", "/s2", "/s4", "/s5", "/s6"}) CHECK(run.verdicts[t + s]["apply"].score == 1);
        CHECK(run.verdicts[t + "/s0"]["regression"].score < 0);
        CHECK(run.verdicts[t + "/s5"]["regression"].score < 0);
        CHECK(run.verdicts[t + "/s1"]["regression"].score == 0);
        CHECK(run.verdicts[t + "/s2"]["regression"].score == 0);
        // s1's reproduction test fails at base and is kept; it passes with the gold (and the
        // breaking) fix and fails with the wrong one: two distinct columns.
        CHECK(run.verdicts[t + "/s1"]["repro"].score == 1);
        CHECK(run.verdicts[t + "/s4"]["repro"].score == 1);
        CHECK(run.verdicts[t + "/s2"]["repro"].score == 0);
        json repro = json::parse(run.verdicts[t + "/s2"]["repro"].details_json);
        CHECK(repro["signature"] == "0");
        CHECK(repro["distinguishability"] == 2);
        CHECK(run.nodes[t + "/verify/repro"].status == braid::store::NodeStatus::finished);
        // The judge is fooled by the wrong fix (scripted first-token logprobs).
        CHECK(run.verdicts[t + "/s2"]["judge"].score == Approx(0.95));
        CHECK(run.verdicts[t + "/s1"]["judge"].score == Approx(0.62));
        CHECK(run.verdicts[t + "/s0"]["judge"].score == Approx(0.31));
        CHECK(run.nodes.count(t + "/s2/judge0") == 1);
        CHECK(run.verdicts[t + "/s1"]["length"].score < 0);
        // The selection thread ran the reproduction script once and chose the gold fix.
        CHECK(run.verdicts[t + "/s1"]["selector"].score == 1);
        CHECK(run.verdicts[t + "/s4"]["selector"].score == 1);
        CHECK(run.verdicts[t + "/s2"]["selector"].score == 0);
        CHECK(run.verdicts[t + "/s0"]["selector"].score == 0);
        CHECK(run.nodes[t + "/selector"].status == braid::store::NodeStatus::finished);
        CHECK(run.nodes.count(t + "/selector/c1") == 1);
        // The looping agent stops at its step limit and leaves no candidate.
        CHECK(run.outputs.count(t + "/s3") == 0);
        CHECK(run.nodes[t + "/s3"].status == braid::store::NodeStatus::failed);
        CHECK(run.nodes.count(t + "/s3/c4") == 1);
        CHECK(run.nodes.count(t + "/s3/c5") == 0);
        CHECK(run.events[t + "/s3"].back()["status"] == "step_limit");
        CHECK(run.events[t + "/s3"].back()["reason"] == "step limit 5 reached");
        // Every step is in the store: s1's first turn made two tool calls.
        CHECK(run.nodes.count(t + "/s1/c0/tool0") == 1);
        CHECK(run.nodes.count(t + "/s1/c0/tool1") == 1);
        CHECK(run.nodes[t + "/select"].status == braid::store::NodeStatus::finished);
    }

    // A finished run writes the same predictions again from the store (resume has nothing to do).
    Outcome again = run_braid({"resume", "1", "--db", dir / "braid.db", "--predictions", dir / "again.jsonl", "--json"}, dir);
    CHECK(again.exit_code == 0);
    CHECK(braid::test::slurp(dir / "again.jsonl") == braid::test::slurp(dir / "preds.jsonl"));

    // Re-selection from the store needs no tests and no model: the stored rule reproduces the
    // run; majority picks the breaking patch (3 of 6), the judge alone the wrong one, and the
    // hybrid cascade the gold fix.
    Outcome replay = run_braid({"replay", "1", "--db", dir / "braid.db", "--json"}, dir);
    INFO(replay.err);
    CHECK(replay.exit_code == 0);
    CHECK(json::parse(replay.out)["mismatches"] == 0);
    const std::map<std::string, std::string> expected{
        {"hybrid", "/s1"}, {"majority", "/s0"}, {"best-score:judge", "/s2"}, {"majority-of-best:regression", "/s1"}};
    for (const auto& [rule, agent] : expected) {
        Outcome r = run_braid({"replay", "1", "--db", dir / "braid.db", "--verifier", rule, "--json"}, dir);
        INFO(rule << ": " << r.err);
        CHECK(r.exit_code == (agent == "/s1" ? 0 : 1));
        const json replayed = json::parse(r.out);
        for (const json& t : replayed["tasks"]) {
            const std::string task = "t/" + t["id"].get<std::string>();
            CHECK(picked_agent(run, task, t["answer"].get<std::string>()) == agent);
            CHECK(t["status"] == (agent == "/s1" ? "solved" : "unsolved"));
        }
    }

    // braid eval: every rule side by side, with the same verdicts.
    Outcome eval = run_braid({"eval", "1", "--db", dir / "braid.db", "--json"}, dir);
    INFO(eval.err);
    REQUIRE(eval.exit_code == 0);
    std::map<std::string, double> accuracy;
    const json evaluated = json::parse(eval.out);
    for (const json& r : evaluated["rules"]) accuracy[r["rule"].get<std::string>()] = r["accuracy"];
    CHECK(accuracy.at("hybrid") == 1);
    CHECK(accuracy.at("selector") == 1);
    CHECK(accuracy.at("majority") == 0);
    CHECK(accuracy.at("best-score:judge") == 0);
}

TEST_CASE("swe: a bad task fails alone, with its reason; the others go on", "[orchestrator][swe]") {
    TempDir dir;
    std::vector<json> rows = example_tasks(dir);
    json bad_commit = rows[0];
    bad_commit["instance_id"] = "bad__commit";
    bad_commit["base_commit"] = "0123456789abcdef0123456789abcdef01234567";
    json garbage_log = rows[0];
    garbage_log["instance_id"] = "bad__log";
    garbage_log["env"]["test_cmd"] = "echo these are not test results";
    write_jsonl(dir / "tasks.jsonl", {rows[0], bad_commit, garbage_log});

    // The scripted agents are keyed by instance id: only the good task has agents that submit.
    Outcome o = solve(dir, dir / "tasks.jsonl", {"--samples", "2", "--agent-steps", "5"});
    INFO(o.err);
    CHECK(o.exit_code == 3);  // some task failed
    json summary = json::parse(o.out);
    std::map<std::string, json> by_id;
    for (const json& t : summary["tasks"]) by_id[t["id"]] = t;
    CHECK(by_id["bad__commit"]["status"] == "failed");
    CHECK(by_id["bad__commit"]["error"].get<std::string>().find("0123456789abcdef") != std::string::npos);
    CHECK(by_id["bad__log"]["status"] == "failed");
    CHECK(by_id["bad__log"]["error"].get<std::string>().find("no test results") != std::string::npos);
    // The good task ran: s1 is the gold fix and s0 the breaking one, which the regression check drops.
    CHECK(by_id[rows[0]["instance_id"].get<std::string>()]["status"] == "solved");
}

TEST_CASE("swe: a row whose env.repo_path is not a directory is refused before anything runs",
          "[orchestrator][swe]") {
    // Issue 18, finding 8: it used to fail as a task and exit 3, an infrastructure failure.
    TempDir dir;
    std::vector<json> rows = example_tasks(dir);
    json missing_repo = rows[0];
    missing_repo["instance_id"] = "bad__no-repo";
    missing_repo["env"]["repo_path"] = "repos/does-not-exist";
    write_jsonl(dir / "tasks.jsonl", {rows[0], missing_repo});
    Outcome o = solve(dir, dir / "tasks.jsonl", {"--samples", "2", "--agent-steps", "5"});
    CHECK(o.exit_code == 2);
    CHECK(o.err.find("bad__no-repo") != std::string::npos);
    CHECK(o.err.find("does-not-exist") != std::string::npos);
    CHECK(o.err.find("not a directory") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "braid.db"));  // nothing stored
}

TEST_CASE("swe: agents that run out of steps leave the task unsolved, exit 1", "[orchestrator][swe]") {
    // Issue 18, finding 8: the model falling short is not an infrastructure failure (it was exit 3).
    TempDir dir;
    std::vector<json> rows = example_tasks(dir);
    write_jsonl(dir / "tasks.jsonl", {rows[0]});
    Outcome o = solve(dir, dir / "tasks.jsonl", {"--samples", "2", "--agent-steps", "1"});
    INFO(o.err);
    CHECK(o.exit_code == 1);
    json summary = json::parse(o.out);
    REQUIRE(summary["tasks"].size() == 1);
    CHECK(summary["tasks"][0]["status"] == "unsolved");
}

namespace {

// The braid-ws-* workspaces under `dir`.
std::vector<std::string> workspaces_in(const std::string& dir) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.path().filename().string().starts_with("braid-ws-")) found.push_back(entry.path());
    return found;
}

// The three example tasks in `dir`, and braid's TMPDIR set to a folder of its own (`tmp`), so
// that the workspaces it leaves can be counted.
struct SweSetup {
    std::string tmp;
    braid::test::SpawnOptions options;

    explicit SweSetup(const TempDir& dir) : tmp(dir / "tmp") {
        write_jsonl(dir / "tasks.jsonl", example_tasks(dir));
        std::filesystem::create_directory(tmp);
        options.environment = {{"TMPDIR", tmp}};
    }
};

}  // namespace

TEST_CASE("swe: SIGTERM mid-run removes the workspaces and keeps the run resumable with exit 143",
          "[orchestrator][swe]") {
    // Issue 18, finding 5: an interrupted SWE run left its braid-ws-* directories behind.
    TempDir dir;
    const SweSetup setup(dir);
    const std::string& tmp = setup.tmp;
    const braid::test::SpawnOptions& options = setup.options;
    const pid_t pid = braid::test::spawn_braid(
        {"solve", dir / "tasks.jsonl", "--strategy", "swe", "--backend", "scripted", "--script",
         example("examples/swe/scripted_agents.json"), "--samples", "2", "--agent-steps", "5", "--db",
         dir / "braid.db", "--json"},
        dir, "interrupted", options);
    // Wait (bounded) until the run works in a workspace (a checkout inside the process's
    // workspace root), then interrupt it there.
    auto working = [&] {
        for (const std::string& root : workspaces_in(tmp)) {
            std::error_code ec;
            if (std::filesystem::directory_iterator(root, ec) != std::filesystem::directory_iterator()) return true;
        }
        return false;
    };
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!working() && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a condition
    REQUIRE(working());
    kill(pid, SIGTERM);
    const int code = braid::test::wait_exit(pid);
    INFO(braid::test::slurp(dir / "interrupted.err"));
    CHECK(code == 143);
    CHECK(workspaces_in(tmp).empty());
    CHECK(braid::test::slurp(dir / "interrupted.err").find("braid resume 1") != std::string::npos);
    Outcome listed = run_braid({"runs", "ls", "--db", dir / "braid.db", "--json"}, dir);
    REQUIRE(listed.exit_code == 0);
    CHECK(json::parse(listed.out)[0]["status"] == "interrupted");

    Outcome resumed = run_braid({"resume", "1", "--db", dir / "braid.db", "--json"}, dir, options);
    INFO(resumed.err);
    CHECK(resumed.exit_code <= 1);
    CHECK(json::parse(resumed.out)["tasks"].size() == 3);
    CHECK(workspaces_in(tmp).empty());
    Outcome after = run_braid({"runs", "ls", "--db", dir / "braid.db", "--json"}, dir);
    CHECK(json::parse(after.out)[0]["status"] == "finished");
}

TEST_CASE("swe: a wall-clock budget stops a SWE run with exit 4 and removes its workspaces",
          "[orchestrator][swe]") {
    // A SWE strategy cancelled by the clock ended in "internal error: co_await: Operation aborted".
    TempDir dir;
    const SweSetup setup(dir);
    const std::string& tmp = setup.tmp;
    const braid::test::SpawnOptions& options = setup.options;
    // 0.3 s: less than one run of a task's test suite at its base commit.
    Outcome o = run_braid({"solve", dir / "tasks.jsonl", "--strategy", "swe", "--backend", "scripted", "--script",
                           example("examples/swe/scripted_agents.json"), "--samples", "2", "--agent-steps", "5",
                           "--budget", "wall_s=0.3", "--db", dir / "braid.db", "--json"},
                          dir, options);
    INFO(o.err);
    CHECK(o.exit_code == 4);
    CHECK(o.err.find("internal error") == std::string::npos);
    CHECK(workspaces_in(tmp).empty());
    json summary = json::parse(o.out);
    CHECK(summary["tasks"][0]["status"] == "budget_exhausted");
}

TEST_CASE("swe: rows that are not SWE-bench instances are refused with the field named", "[orchestrator][swe]") {
    TempDir dir;
    std::ofstream(dir / "tasks.jsonl") << R"({"instance_id": "x__y-1", "repo": "x/y", "problem_statement": "p", "env": {"repo_path": "r"}})"
                                       << "\n";
    Outcome o = solve(dir, dir / "tasks.jsonl");
    CHECK(o.exit_code == 2);
    CHECK(o.err.find("base_commit") != std::string::npos);
}
