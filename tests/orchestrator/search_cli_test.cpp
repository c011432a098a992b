// `braid search` end to end on the example Countdown pipeline (examples/pipeline/countdown.json):
// the symbolic stand-in generators and the scripted judge record their samples, offline search
// reproduces its answer for a seed, online trials are stored runs within the budget, the agent
// method reads the archive through a scripted proposer, and malformed input exits 2 naming the field.
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

const std::string source = BRAID_SOURCE_DIR;
const std::string pipeline = source + "/examples/pipeline/countdown.json";
const std::string dev = source + "/examples/countdown/sample.jsonl";

json parse_out(const Outcome& o) {
    INFO(o.err);
    REQUIRE(o.exit_code == 0);
    return json::parse(o.out);
}

std::string write(const TempDir& dir, const std::string& name, const json& j) {
    std::ofstream(dir / name) << j.dump(2);
    return dir / name;
}

json example_spec() {
    std::ifstream in(pipeline);
    json spec = json::parse(in);
    // Scripts resolve against the spec's folder; a copy elsewhere needs absolute ones.
    for (auto& [name, model] : spec["models"].items())
        if (model.contains("script")) model["script"] = source + "/examples/pipeline/" + model["script"].get<std::string>();
    return spec;
}

}  // namespace

TEST_CASE("search rejects malformed specs and budgets with exit 2 naming the field", "[search][cli]") {
    TempDir dir;
    const std::string db = dir / "s.db";
    auto expect_bad = [&](const std::vector<std::string>& args, const std::string& needle) {
        Outcome o = run_braid(args, dir);
        INFO(o.err);
        CHECK(o.exit_code == 2);
        CHECK(o.err.find(needle) != std::string::npos);
    };

    json unknown_model = example_spec();
    unknown_model["stages"][0]["models"][1] = "huge";
    expect_bad({"search", write(dir, "unknown.json", unknown_model), "--budget", "usd=1", "--db", db},
               "stages[0].models[1]");

    json cycle = example_spec();
    cycle["stages"][0]["inputs"] = json::array({"verify"});
    expect_bad({"search", write(dir, "cycle.json", cycle), "--budget", "usd=1", "--db", db}, "cycle");

    expect_bad({"search", pipeline, "--budget", "usd=-5", "--db", db}, "--budget");
    expect_bad({"search", pipeline, "--budget", "50", "--db", db}, "no unit");
    expect_bad({"search", pipeline, "--budget", "usd=1", "--method", "annealing", "--db", db}, "--method");

    json bad_rule = example_spec();
    bad_rule["stages"][2]["rules"][0] = "best-score:oracle";
    expect_bad({"search", write(dir, "rule.json", bad_rule), "--budget", "usd=1", "--db", db}, "stages[2].rules[0]");

    // Offline search before anything was recorded says how to record.
    expect_bad({"search", pipeline, "--budget", "usd=1", "--db", db}, "--record");
    // Nothing was stored by any of these.
    auto store = braid::store::Store::open(db);
    CHECK(store->runs().empty());
}

TEST_CASE("search records, then searches offline reproducibly and online within the budget", "[search][cli]") {
    TempDir dir;
    const std::string db = dir / "s.db";
    json rec = parse_out(run_braid({"search", pipeline, "--dev", dev, "--record", "--seed", "3", "--db", db, "--json"}, dir));
    const std::int64_t record_run = rec["record_run"].get<std::int64_t>();
    REQUIRE(record_run > 0);
    CHECK(rec["tasks"] == 8);

    // Every configuration's cost, from an exhaustive offline grid with no budget to speak of.
    json all = parse_out(run_braid({"search", pipeline, "--budget", "usd=1000", "--method", "grid", "--seed", "3",
                                    "--draws", "50", "--db", db, "--json"},
                                   dir));
    const json archive = all["archive"];
    REQUIRE(archive.size() == all["configurations"].get<std::size_t>());
    std::vector<double> costs;
    for (const json& t : archive) costs.push_back(t["cost"].get<double>());
    std::sort(costs.begin(), costs.end());
    const double budget = costs[costs.size() / 3];  // a third of the configurations fit
    REQUIRE(budget > 0);
    const std::string budget_arg = "usd=" + std::to_string(budget);

    auto search = [&](const std::string& method, const std::string& seed) {
        return parse_out(run_braid({"search", pipeline, "--budget", budget_arg, "--method", method, "--seed", seed,
                                    "--draws", "50", "--db", db, "--json"},
                                   dir));
    };
    SECTION("offline greedy: same seed, same answer; within the budget; regret against the grid") {
        json a = search("greedy", "11");
        json b = search("greedy", "11");
        REQUIRE(a["best"].is_object());
        CHECK(a["best"]["config"] == b["best"]["config"]);
        CHECK(a["best"]["accuracy"] == b["best"]["accuracy"]);
        CHECK(a["archive"] == b["archive"]);
        CHECK(a["record_run"] == record_run);
        CHECK(a["best"]["cost"].get<double>() <= budget + 1e-12);
        REQUIRE(a.contains("regret"));
        CHECK(a["regret"].get<double>() >= 0);
        CHECK(a["regret"].get<double>() <= 0.05);
        CHECK(a["trials"].get<std::size_t>() < a["exhaustive"]["trials"].get<std::size_t>());
        // The front is sorted by cost with accuracy rising.
        const json front = a["pareto"];
        REQUIRE(!front.empty());
        for (std::size_t i = 1; i < front.size(); ++i) {
            CHECK(front[i]["cost"].get<double>() > front[i - 1]["cost"].get<double>());
            CHECK(front[i]["accuracy"].get<double>() > front[i - 1]["accuracy"].get<double>());
        }
    }
    SECTION("every method stays within its trial limit and the budget") {
        for (const std::string method : {"random", "halving", "tpe", "greedy"}) {
            json r = parse_out(run_braid({"search", pipeline, "--budget", budget_arg, "--method", method, "--seed", "5",
                                          "--trials", "12", "--draws", "50", "--db", db, "--json"},
                                         dir));
            INFO(method);
            CHECK(r["trials"].get<std::size_t>() <= 12);
            for (const json& t : r["archive"])
                if (t["fidelity"].get<double>() == 1.0 && t["feasible"].get<bool>())
                    CHECK(t["cost"].get<double>() <= budget + 1e-12);
        }
    }
    SECTION("the agent method proposes through a scripted model and stops when it repeats itself") {
        json r = parse_out(run_braid({"search", pipeline, "--budget", "usd=1000", "--method", "agent",
                                      "--agent-backend", "scripted", "--agent-script",
                                      source + "/examples/pipeline/agent_script.json", "--draws", "50", "--db", db,
                                      "--json"},
                                     dir));
        REQUIRE(r["archive"].size() == 2);
        CHECK(r["archive"][0]["config"]["generate"]["model"] == "sos-small");
        CHECK(r["archive"][1]["config"]["generate"]["model"] == "sos-large");
        CHECK(r["agent"]["calls"] == 5);  // two accepted, then three repeats answered and refused
        CHECK(r["agent"]["rationales"][0].get<std::string>().find("Start cheap") != std::string::npos);
    }
    SECTION("online trials are stored runs whose ledger stays within the budget") {
        json r = parse_out(run_braid({"search", pipeline, "--dev", dev, "--online", "--budget", budget_arg, "--method",
                                      "random", "--trials", "2", "--seed", "2", "--db", db, "--json"},
                                     dir));
        REQUIRE(r["runs"].size() == r["trials"].get<std::size_t>());
        auto store = braid::store::Store::open(db);
        for (const json& id : r["runs"]) {
            auto run = store->run(braid::RunId{id.get<std::int64_t>()});
            REQUIRE(run);
            json spent = json::parse(run->spent_json);
            INFO(run->spent_json);
            CHECK(spent.value("usd", 0.0) <= budget + 1e-9);
        }
    }
}
