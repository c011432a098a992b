#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "tests/orchestrator/process.hpp"

using braid::test::Outcome;
using braid::test::run_braid;
using braid::test::TempDir;
using nlohmann::json;

namespace {

void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

// The scripted model (a stand-in, no model runs here): the planner prompt starts "Plan the tool
// calls", the joiner's "Decide the answer"; the script answers each by that substring.
json script(const std::string& plan, const std::string& joiner) {
    return {{"replies",
             {{{"match", "Plan the tool calls"}, {"text", plan}, {"delay_ms", 1}},
              {{"match", "Decide the answer"}, {"text", joiner}}}},
            {"default", {{"text", "unexpected prompt"}}}};
}

struct Setup {
    TempDir dir;
    std::string ws = dir / "ws";
    Setup(const json& script_doc) {
        std::filesystem::create_directory(ws);
        write(ws + "/notes.txt", "the base is 6\n");
        write(dir / "tasks.jsonl",
              R"({"id":"q-1","kind":"answer","question":"What is 6 * 7 + 0.5?","answer":"42.5"})"
              "\n");
        write(dir / "script.json", script_doc.dump());
        json tools{{"tools",
                    {{{"name", "nap"},
                      {"description", "nap(seconds): waits, then says so"},
                      {"command", {"sh", "-c", "sleep \"$0\" && echo slept $0", "{arg0}"}},
                      {"timeout_ms", 5000}}}}};
        write(dir / "tools.json", tools.dump());
    }
    Outcome solve(std::vector<std::string> extra = {}) {
        std::vector<std::string> args{
            "solve",     dir / "tasks.jsonl", "--strategy",  "llmcompiler",
            "--backend", "scripted",          "--script",    dir / "script.json",
            "--tools",   dir / "tools.json",  "--workspace", ws,
            "--db",      dir / "braid.db",    "--json"};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_braid(args, dir);
    }
    json show(int run) {
        Outcome o = run_braid(
            {"runs", "show", std::to_string(run), "--db", dir / "braid.db", "--json"}, dir);
        REQUIRE(o.exit_code == 0);
        return json::parse(o.out);
    }
};

const json* node_at(const json& run, const std::string& path) {
    for (const auto& n : run["nodes"])
        if (n["path"] == path) return &n;
    return nullptr;
}

}  // namespace

TEST_CASE(
    "braid solve --strategy llmcompiler runs independent command and calculator calls in parallel",
    "[orchestrator][cli][llmcompiler]") {
    Setup s(
        script("Thought: the two naps are independent.\n"
               "1. nap(\"0.3\")\n"
               "2. nap(\"0.3\")\n"
               "3. read_file(\"notes.txt\")\n"
               "4. calculator(\"6 * 7\")\n"
               "5. calculator(\"$4 + 0.5\")\n"
               "6. join()<END_OF_PLAN>",
               "Thought: step 5 answers it.\nAction: Finish(42.5)"));
    Outcome o = s.solve();
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 0);
    json summary = json::parse(o.out);
    REQUIRE(summary["solved"] == 1);
    REQUIRE(summary["tasks"][0]["answer"] == "42.5");

    json run = s.show(summary["run"].get<int>());
    const json* nap1 = node_at(run, "t/q-1/r0/t1");
    const json* nap2 = node_at(run, "t/q-1/r0/t2");
    const json* calc = node_at(run, "t/q-1/r0/t5");
    REQUIRE((nap1 && nap2 && calc));
    REQUIRE((*nap1)["kind"] == "tool");
    REQUIRE((*nap1)["status"] == "finished");
    // The two 0.3 s naps overlap: each started before the other finished.
    REQUIRE((*nap1)["started_ms"].get<std::int64_t>() < (*nap2)["finished_ms"].get<std::int64_t>());
    REQUIRE((*nap2)["started_ms"].get<std::int64_t>() < (*nap1)["finished_ms"].get<std::int64_t>());
    REQUIRE((*nap1)["finished_ms"].get<std::int64_t>() -
                (*nap1)["started_ms"].get<std::int64_t>() >=
            300);
    const json* read = node_at(run, "t/q-1/r0/t3");
    REQUIRE((*read)["status"] == "finished");
    int depends_into_calc = 0;
    for (const auto& e : run["edges"])
        depends_into_calc += e["dst"] == (*calc)["id"] && e["kind"] == "depends";
    REQUIRE(depends_into_calc == 2);  // the planner and step 4
}

TEST_CASE(
    "braid solve --strategy llmcompiler records a malformed plan as a failed thread with the "
    "reason",
    "[orchestrator][cli][llmcompiler]") {
    Setup s(
        script("1. calculator(\"6 * 7\")\n2. calculator(\"$3\")\n3. join()", "Action: Finish(42)"));
    Outcome o = s.solve();
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 1);  // ran, unsolved
    json summary = json::parse(o.out);
    REQUIRE(summary["tasks"][0]["status"] == "unsolved");
    json run = s.show(summary["run"].get<int>());
    const json* round = node_at(run, "t/q-1/r0");
    REQUIRE((*round)["status"] == "failed");
    // The reason is on the thread's node_failed event (and repeated on the task's outcome).
    auto db = braid::store::Store::open(s.dir / "braid.db");
    bool on_thread = false;
    for (const auto& e : db->events(braid::RunId{summary["run"].get<std::int64_t>()}))
        if (e.node.value == (*round)["id"].get<std::int64_t>() && e.type == "node_failed")
            on_thread = e.payload_json.find("step 2 refers to $3, which is not an earlier step") !=
                        std::string::npos;
    REQUIRE(on_thread);
    REQUIRE(node_at(run, "t/q-1/r0/join") == nullptr);  // no joiner for a broken plan
}

TEST_CASE("braid solve --strategy llmcompiler rejects a bad --tools file before running",
          "[orchestrator][cli][llmcompiler]") {
    Setup s(script("1. join()", "Action: Finish(1)"));
    write(s.dir / "tools.json", R"({"tools":[{"name":"x","command":["ls","{file}"]}]})");
    Outcome o = s.solve();
    REQUIRE(o.exit_code == 2);
    REQUIRE_THAT(o.err, Catch::Contains("unknown placeholder '{file}'"));
}

TEST_CASE("braid solve --strategy llmcompiler replans once, then the joiner finishes",
          "[orchestrator][cli][llmcompiler]") {
    // First match wins: the replanner's prompt holds "Current Plan:", the last joiner's sees step
    // 2's observation "Observation: 42.5"; the first joiner asks for a replan.
    json doc{{"replies",
              {{{"match", "Current Plan:"}, {"text", "2. calculator(\"$1 + 0.5\")\n3. join()"}},
               {{"match", "Plan the tool calls"}, {"text", "1. calculator(\"6 * 7\")\n2. join()"}},
               {{"match", "Observation: 42.5"}, {"text", "Thought: done.\nAction: Finish(42.5)"}},
               {{"match", "Decide the answer"},
                {"text", "Thought: the half is missing.\nAction: Replan(add 0.5)"}}}},
             {"default", {{"text", "unexpected prompt"}}}};
    Setup s(doc);
    Outcome o = s.solve({"--max-replans", "1"});
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 0);
    json summary = json::parse(o.out);
    REQUIRE(summary["tasks"][0]["answer"] == "42.5");
    REQUIRE(summary["model_calls"] == 4);
    json run = s.show(summary["run"].get<int>());
    REQUIRE((*node_at(run, "t/q-1/r0"))["status"] == "finished");
    REQUIRE((*node_at(run, "t/q-1/r1"))["status"] == "finished");
    REQUIRE((*node_at(run, "t/q-1/r1/t2"))["kind"] == "tool");
    // With no replans allowed, the same script's Replan leaves the task unsolved.
    Outcome strict = s.solve({"--max-replans", "0"});
    REQUIRE(strict.exit_code == 1);
}

TEST_CASE("A wall-clock budget stops llmcompiler's running command tools at once",
          "[orchestrator][cli][llmcompiler]") {
    Setup s(script("1. nap(\"4\")\n2. calculator(\"1 + 1\")\n3. join()", "Action: Finish(2)"));
    const auto t0 = std::chrono::steady_clock::now();
    Outcome o = s.solve({"--budget", "wall_s=0.5"});
    const auto took = std::chrono::steady_clock::now() - t0;
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 4);                        // budget exhausted
    REQUIRE(took < std::chrono::milliseconds(3500));  // the 4 s nap was killed, not awaited
    json summary = json::parse(o.out);
    REQUIRE(summary["tasks"][0]["status"] == "budget_exhausted");
    json run = s.show(summary["run"].get<int>());
    REQUIRE((*node_at(run, "t/q-1/r0/t1"))["status"] == "failed");
}
