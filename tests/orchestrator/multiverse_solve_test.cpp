// braid solve --strategy multiverse end to end, on a scripted stand-in backend (not a model) whose
// JSON script writes the Multiverse format: a goal with two outlines, two paths, a conclusion.
#include <catch2/catch.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/orchestrator/process.hpp"

using braid::test::Outcome;
using braid::test::run_braid;
using braid::test::TempDir;
using nlohmann::json;

TEST_CASE(
    "braid solve --strategy multiverse forks paths, reduces and solves with a scripted backend",
    "[orchestrator][cli][multiverse]") {
    TempDir dir;
    {
        std::ofstream tasks(dir / "tasks.jsonl");
        tasks << R"({"id": "cd-x", "kind": "countdown", "numbers": [2, 3, 4], "target": 24})"
              << "\n";
        const std::string tail =
            "24,24 equal: Goal Reached\nMoving to Node #0\nCurrent State: 24:[2, 3, 4], "
            "Operations: []\n"
            "Exploring Operation: 2*3=6, Resulting Numbers: [4, 6]\n"
            "Generated Node #0,0: 24:[4, 6] Operation: 2*3=6\nMoving to Node #0,0\n"
            "Current State: 24:[4, 6], Operations: ['2*3=6']\n"
            "Exploring Operation: 4*6=24, Resulting Numbers: [24]\n24,24 equal: Goal Reached\n";
        json script{
            {"replies", json::array({
                            {{"match", "<Conclusion>\n"},
                             {"text", "Path 1 works.\n</Conclusion>\n</Parallel>\n" + tail}},
                            {{"match", "<Path>\n1:"}, {"text", " 2*3=6, 4*6=24.\n</Path>\nnever"}},
                            {{"match", "<Path>\n2:"}, {"text", " 3+4=7: no.\n</Path>\nnever"}},
                        })},
            {"default",
             {{"text",
               "\n<Parallel>\n<Goal>\n<Outline>\n1: multiply first\n</Outline>\n<Outline>\n2: add "
               "first\n"
               "</Outline>\n</Goal>\nnever"}}}};
        std::ofstream(dir / "script.json") << script.dump();
    }
    Outcome o = run_braid(
        {"solve", dir / "tasks.jsonl", "--db", dir / "braid.db", "--json", "--backend", "scripted",
         "--script", dir / "script.json", "--strategy", "multiverse", "--samples", "1"},
        dir);
    INFO(o.err);
    REQUIRE(o.exit_code == 0);
    json summary = json::parse(o.out);
    REQUIRE(summary["solved"] == 1);
    REQUIRE(summary["model_calls"] == 4);

    Outcome show = run_braid({"runs", "show", std::to_string(summary["run"].get<int>()), "--db",
                              dir / "braid.db", "--json"},
                             dir);
    REQUIRE(show.exit_code == 0);
    json run = json::parse(show.out);
    int paths = 0, failed = 0;
    for (const auto& n : run["nodes"]) {
        paths += n["kind"] == "path";
        failed += n["status"] == "failed";
    }
    REQUIRE(paths == 2);
    REQUIRE(failed == 0);
}
