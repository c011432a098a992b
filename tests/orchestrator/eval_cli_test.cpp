// `braid eval` and `braid replay --verifier` on a run written directly through the store API:
// every number below is computed by hand in the comments.
#include <catch2/catch.hpp>

#include <cstdio>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "tests/orchestrator/process.hpp"

using braid::NodeId;
using braid::RunId;
using braid::test::Outcome;
using braid::test::run_braid;
using braid::test::TempDir;
using nlohmann::json;

namespace {

namespace store = braid::store;

// One candidate as the test writes it.
struct Cand {
    std::string answer;     // normalized key (and output)
    bool correct;           // the oracle's verdict
    double regression;
    double judge;
    std::string signature;  // repro signature; its score is the number of '1's
    std::int64_t completion_tokens;
};

struct TaskSpec {
    std::string id;
    std::string stored_answer;  // what the stored rule (majority-of-best:regression) chose
    std::vector<Cand> cands;
};

// The run below. Rules, per task (✓ correct, ✗ wrong; ties = what a random tie-break draws from):
//
// Task A: c0 a✗ c1 a✗ c2 b✓ c3 c✗; regression 0 0 0 −1; judge .3 .3 .9 .9; repro all "10"
//   majority                    cluster a (2) → 0
//   best-score:judge            ties {c2✓, c3✗} → 0.5; the pick (lower index) c2 ✓
//   majority-of-best:regression keep c0 c1 c2 (regression 0) → cluster a → 0
//   hybrid                      3 clusters, k = max(3, 1) keeps all; regression keeps a, b;
//                               signatures all equal: repro skipped; judge a .3 < b .9 → b → 1
//   shortest                    tokens 100 120 90 80 → c3 → 0
// Task B: c0 x✓ c1 x✓ c2 y✗ c3 z✗; regression 0 0 0 −1; judge .6 .6 .9 .5;
//         repro "11" "11" "10" "00" (scores 2 2 1 0)
//   majority → x → 1; best-score:judge → c2 → 0; majority-of-best:regression → c0 c1 c2 → x → 1
//   hybrid: regression keeps x, y; signatures 11, 10 differ: most repro votes x (2) > y (1) → 1
//   shortest: tokens 50 70 60 90 → c0 → 1
// Task C: c0 p✗ c1 p✗ c2 q✓; regression −1 −1 0; judge .7 .7 .2; repro all "10"
//   majority → p → 0; best-score:judge ties {c0, c1} → 0; majority-of-best:regression → q → 1
//   hybrid: regression keeps q → 1; shortest: tokens 40 45 30 → c2 → 1
// Task D: no candidates: 0 for every rule.
//
// accuracy (mean over 4 tasks) and picked:
//   majority                     (0 + 1 + 0 + 0) / 4 = 0.25     picked 0.25
//   best-score:judge             (0.5 + 0 + 0 + 0) / 4 = 0.125  picked (1 + 0 + 0 + 0) / 4 = 0.25
//   majority-of-best:regression  (0 + 1 + 1 + 0) / 4 = 0.5      picked 0.5
//   hybrid                       (1 + 1 + 1 + 0) / 4 = 0.75     picked 0.75
//   shortest                     (0 + 1 + 1 + 0) / 4 = 0.5      picked 0.5
// pass@k (n, c): A (4, 1), B (4, 2), C (3, 1), D (0, 0)
//   pass@1 = (1/4 + 2/4 + 1/3 + 0) / 4 = 13/48
//   pass@2 = ((1 − 3/6) + (1 − 1/6) + (1 − 1/3) + 0) / 4 = (1/2 + 5/6 + 2/3) / 4 = 2/4 = 0.5
//   pass@4 = (1 + 1 + 1 (k clamped to 3) + 0) / 4 = 0.75;   oracle coverage 3/4
// Costs over the 11 candidates: judge $0.002 + 150 ms each, regression $0 + 1000 ms, repro
// $0.0005 + 500 ms, oracle $0.5 + 9999 ms (never counted), length free.
//   majority 0; best-score:judge $0.022, 1650 ms; majority-of-best:regression $0, 11000 ms;
//   hybrid (judge + regression + repro) $0.0275, 18150 ms; shortest 0.
// Generation: 11 thread nodes of 1000 prompt tokens and $0.01 each, completion 390 + 270 + 115 =
// 775 → 11775 tokens, $0.11; the "judge" and "verify" nodes are not generation.
std::vector<TaskSpec> tasks_spec() {
    return {
        {"A", "a",
         {{"a", false, 0, 0.3, "10", 100}, {"a", false, 0, 0.3, "10", 120},
          {"b", true, 0, 0.9, "10", 90}, {"c", false, -1, 0.9, "10", 80}}},
        {"B", "x",
         {{"x", true, 0, 0.6, "11", 50}, {"x", true, 0, 0.6, "11", 70},
          {"y", false, 0, 0.9, "10", 60}, {"z", false, -1, 0.5, "00", 90}}},
        {"C", "q", {{"p", false, -1, 0.7, "10", 40}, {"p", false, -1, 0.7, "10", 45}, {"q", true, 0, 0.2, "10", 30}}},
        {"D", "", {}},
    };
}

std::string details(double wall_ms, const std::string& signature = "") {
    json d{{"wall_ms", wall_ms}};
    if (!signature.empty()) d["signature"] = signature;
    return d.dump();
}

// Writes the run; `with_judge_and_length` = false leaves out the judge and length verdicts.
RunId write_run(store::Store& db, bool with_judge_and_length) {
    store::RunRecord record;
    // The run chose with --verifier majority-of-best:regression (swe's own rule is hybrid).
    record.config_json =
        R"({"strategy":"swe","samples":4,"strategy_options":{"verifier":"majority-of-best:regression"}})";
    record.status = store::RunStatus::finished;
    const RunId run = db.create_run(record);
    std::int64_t next_id = 1;
    auto node = [&](NodeId parent, const std::string& path, store::NodeKind kind,
                    std::int64_t prompt, std::int64_t completion, double usd) {
        store::NodeRecord n;
        n.run = run;
        n.id = NodeId{next_id++};
        n.parent = parent;
        n.path = path;
        n.kind = kind;
        n.status = store::NodeStatus::finished;
        n.usage.prompt_tokens = prompt;
        n.usage.completion_tokens = completion;
        n.cost_usd = usd;
        db.upsert_node(n);
        return n.id;
    };
    auto verdict = [&](NodeId cand, const std::string& task, const std::string& verifier, double score, double usd,
                       std::string details_json) {
        db.put_verdict(store::VerdictRecord{run, cand, task, verifier, score, usd, std::move(details_json)});
    };
    const NodeId root = node(NodeId{0}, "run", store::NodeKind::run, 0, 0, 0);
    for (const TaskSpec& t : tasks_spec()) {
        const NodeId task_node = node(root, "t/" + t.id, store::NodeKind::task, 0, 0, 0);
        node(task_node, "t/" + t.id + "/base", store::NodeKind::verify, 0, 0, 0);
        if (!t.cands.empty())
            node(task_node, "t/" + t.id + "/judge", store::NodeKind::judge, 5000, 100, 0.05);
        for (std::size_t i = 0; i < t.cands.size(); ++i) {
            const Cand& c = t.cands[i];
            const NodeId n = node(task_node, "t/" + t.id + "/s" + std::to_string(i),
                                  store::NodeKind::thread, 1000, c.completion_tokens, 0.01);
            db.put_candidate(store::CandidateRecord{run, n, t.id, "patch " + c.answer, c.answer});
            verdict(n, t.id, "oracle", c.correct ? 1 : 0, 0.5, details(9999));
            verdict(n, t.id, "regression", c.regression, 0, details(1000));
            double votes = 0;
            for (char ch : c.signature) votes += ch == '1';
            verdict(n, t.id, "repro", votes, 0.0005, details(500, c.signature));
            if (with_judge_and_length) {
                verdict(n, t.id, "judge", c.judge, 0.002, details(150));
                verdict(n, t.id, "length", -static_cast<double>(c.completion_tokens), 0, "{}");
            }
        }
        db.put_task(store::TaskRecord{
            run, t.id, "swe", "{}",
            t.stored_answer.empty() ? store::TaskStatus::unsolved : store::TaskStatus::solved,
            t.stored_answer, NodeId{0}});
    }
    db.flush_sync();
    return run;
}

struct Db {
    TempDir dir;
    std::string path = dir / "braid.db";
    RunId full;
    RunId no_judge;
    Db() {
        auto db = store::Store::open(path);
        full = write_run(*db, true);
        no_judge = write_run(*db, false);
    }
    Outcome braid(std::vector<std::string> args) const {
        args.push_back("--db");
        args.push_back(path);
        return run_braid(args, dir);
    }
};

const json* rule_row(const json& eval, const std::string& rule) {
    for (const json& r : eval["rules"])
        if (r["rule"] == rule) return &r;
    return nullptr;
}

struct Expected {
    std::string rule;
    double accuracy, picked, usd, wall_ms;
};

const std::vector<Expected> expected_rules{
    {"majority", 0.25, 0.25, 0, 0},
    {"best-score:judge", 0.125, 0.25, 0.022, 1650},
    {"majority-of-best:regression", 0.5, 0.5, 0, 11000},
    {"hybrid", 0.75, 0.75, 0.0275, 18150},
    {"shortest", 0.5, 0.5, 0, 0},
};

constexpr double eps = 1e-9;

}  // namespace

TEST_CASE("braid eval compares selection rules side by side with hand-computed accuracy, coverage and cost",
          "[orchestrator][cli][eval]") {
    Db db;
    Outcome o = db.braid({"eval", std::to_string(db.full.value), "--json", "--rules",
                          "majority,best-score:judge,majority-of-best:regression,hybrid,shortest"});
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 0);
    json eval = json::parse(o.out);
    REQUIRE(eval["tasks"] == 4);
    REQUIRE(eval["stored_rule"] == "majority-of-best:regression");
    REQUIRE(eval["rules"].size() == expected_rules.size());
    for (std::size_t i = 0; i < expected_rules.size(); ++i) {
        const Expected& e = expected_rules[i];
        INFO(e.rule);
        const json& r = eval["rules"][i];
        REQUIRE(r["rule"] == e.rule);
        REQUIRE(r["accuracy"].get<double>() == Approx(e.accuracy).margin(eps));
        REQUIRE(r["picked"].get<double>() == Approx(e.picked).margin(eps));
        REQUIRE(r["verifier_cost_usd"].get<double>() == Approx(e.usd).margin(eps));
        REQUIRE(r["verifier_wall_ms"].get<double>() == Approx(e.wall_ms).margin(eps));
        REQUIRE(r["cost_usd"].get<double>() == Approx(0.11 + e.usd).margin(eps));
    }
    REQUIRE(eval["generation"]["prompt_tokens"] == 11000);
    REQUIRE(eval["generation"]["completion_tokens"] == 775);
    REQUIRE(eval["generation"]["tokens"] == 11775);
    REQUIRE(eval["generation"]["cost_usd"].get<double>() == Approx(0.11).margin(eps));
    const json& pass = eval["pass_at_k"];
    REQUIRE(pass.size() == 3);
    REQUIRE(pass[0]["k"] == 1);
    REQUIRE(pass[0]["pass"].get<double>() == Approx(13.0 / 48).margin(eps));
    REQUIRE(pass[1]["k"] == 2);
    REQUIRE(pass[1]["pass"].get<double>() == Approx(0.5).margin(eps));
    REQUIRE(pass[2]["k"] == 4);
    REQUIRE(pass[2]["pass"].get<double>() == Approx(0.75).margin(eps));
    REQUIRE(eval["oracle_coverage"].get<double>() == Approx(0.75).margin(eps));
    REQUIRE(eval["model_calls"] == 0);

    SECTION("the human table lists every rule with its accuracy and cost") {
        Outcome human = db.braid({"eval", std::to_string(db.full.value), "--rules",
                                  "majority,best-score:judge,majority-of-best:regression,hybrid,shortest"});
        REQUIRE(human.exit_code == 0);
        REQUIRE(human.out.find("11775 tokens") != std::string::npos);
        REQUIRE(human.out.find("$0.110000") != std::string::npos);
        REQUIRE(human.out.find("pass@1 0.2708") != std::string::npos);
        REQUIRE(human.out.find("oracle 0.7500") != std::string::npos);
        for (const Expected& e : expected_rules) {
            INFO(e.rule);
            std::istringstream lines(human.out);
            std::string line, found;
            while (std::getline(lines, line))
                if (line.rfind("  " + e.rule + " ", 0) == 0) found = line;
            REQUIRE(!found.empty());
            char accuracy[32], usd[32];
            std::snprintf(accuracy, sizeof accuracy, " %.4f ", e.accuracy);
            std::snprintf(usd, sizeof usd, " %.6f ", e.usd);
            REQUIRE(found.find(accuracy) != std::string::npos);
            REQUIRE(found.find(usd) != std::string::npos);
        }
    }
}

TEST_CASE("braid eval by default compares the stored rule first and the rules the run's verdicts allow",
          "[orchestrator][cli][eval]") {
    Db db;
    Outcome o = db.braid({"eval", std::to_string(db.full.value), "--json"});
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 0);
    json eval = json::parse(o.out);
    REQUIRE(eval["rules"][0]["rule"] == "majority-of-best:regression");
    std::set<std::string> seen;
    for (const json& r : eval["rules"]) {
        REQUIRE(seen.insert(r["rule"].get<std::string>()).second);  // no rule twice
        for (const json& v : r["verifiers"]) REQUIRE(v != "oracle");
    }
    REQUIRE(seen.count("majority") == 1);
    REQUIRE(seen.count("best-score:judge") == 1);
    // The same numbers as when the rules are named.
    for (const Expected& e : expected_rules) {
        const json* r = rule_row(eval, e.rule);
        if (r == nullptr) continue;
        INFO(e.rule);
        REQUIRE((*r)["accuracy"].get<double>() == Approx(e.accuracy).margin(eps));
        REQUIRE((*r)["verifier_cost_usd"].get<double>() == Approx(e.usd).margin(eps));
    }
}

TEST_CASE("braid eval refuses an unknown run and a bad rule with exit 2 naming them", "[orchestrator][cli][eval]") {
    Db db;
    Outcome missing_run = db.braid({"eval", "99"});
    REQUIRE(missing_run.exit_code == 2);
    REQUIRE(missing_run.err.find("run 99") != std::string::npos);
    Outcome bad = db.braid({"eval", std::to_string(db.full.value), "--rules", "majority,no-such-rule"});
    REQUIRE(bad.exit_code == 2);
    REQUIRE(bad.err.find("no-such-rule") != std::string::npos);
    Outcome oracle = db.braid({"eval", std::to_string(db.full.value), "--rules", "best-score:oracle"});
    REQUIRE(oracle.exit_code == 2);
    REQUIRE(oracle.err.find("best-score:oracle") != std::string::npos);
}

TEST_CASE("braid replay --verifier re-selects with another rule; a different choice is not a failure",
          "[orchestrator][cli][replay]") {
    Db db;
    const std::string run = std::to_string(db.full.value);
    // majority: A → a (c0 ✗), B → x (✓), C → p (✗, the stored rule chose q), D → nothing.
    Outcome o = db.braid({"replay", run, "--verifier", "majority", "--json"});
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 1);  // unsolved tasks, not the infrastructure failure of exit 3
    json r = json::parse(o.out);
    REQUIRE(r["rule"] == "majority");
    REQUIRE(r["model_calls"] == 0);
    REQUIRE(r["missing"].empty());
    const std::vector<std::string> answers{"a", "x", "p", ""};
    const std::vector<std::string> status{"unsolved", "solved", "unsolved", "unsolved"};
    REQUIRE(r["tasks"].size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
        REQUIRE(r["tasks"][i]["answer"] == answers[i]);
        REQUIRE(r["tasks"][i]["status"] == status[i]);
    }
    REQUIRE(r["mismatches"] == 1);
    REQUIRE(r["solved"] == 1);

    // The stored rule reproduces the stored choices: A a, B x, C q.
    Outcome stored = db.braid({"replay", run, "--json"});
    REQUIRE(stored.exit_code == 1);
    json s = json::parse(stored.out);
    REQUIRE(s["rule"] == "majority-of-best:regression");
    REQUIRE(s["mismatches"] == 0);
    REQUIRE(s["solved"] == 2);

    Outcome human = db.braid({"replay", run, "--verifier", "majority"});
    REQUIRE(human.exit_code == 1);
    REQUIRE(human.out.find("differs from stored") != std::string::npos);
}

TEST_CASE("braid replay refuses a rule naming the oracle, an unknown rule and an unknown run with exit 2",
          "[orchestrator][cli][replay]") {
    Db db;
    const std::string run = std::to_string(db.full.value);
    Outcome oracle = db.braid({"replay", run, "--verifier", "best-score:oracle"});
    REQUIRE(oracle.exit_code == 2);
    REQUIRE(oracle.err.find("best-score:oracle") != std::string::npos);
    Outcome unknown = db.braid({"replay", run, "--verifier", "most-votes"});
    REQUIRE(unknown.exit_code == 2);
    REQUIRE(unknown.err.find("most-votes") != std::string::npos);
    Outcome no_run = db.braid({"replay", "42", "--verifier", "majority"});
    REQUIRE(no_run.exit_code == 2);
    REQUIRE(no_run.err.find("run 42") != std::string::npos);
}

TEST_CASE("braid replay reports verdicts no candidate has and recomputes length offline", "[orchestrator][cli][replay]") {
    Db db;
    const std::string run = std::to_string(db.no_judge.value);
    Outcome o = db.braid({"replay", run, "--verifier", "best-score:judge", "--json"});
    INFO(o.out << o.err);
    REQUIRE(o.exit_code == 1);
    json r = json::parse(o.out);
    REQUIRE(r["missing"]["judge"] == 3);  // tasks A, B, C; D has no candidates to judge
    for (const json& t : r["tasks"]) REQUIRE(t["answer"] == "");  // no judge score: nothing wins
    Outcome human = db.braid({"replay", run, "--verifier", "best-score:judge"});
    REQUIRE(human.out.find("no judge verdict on 3/4 tasks") != std::string::npos);

    // shortest: length = −completion tokens, recomputed for the 11 candidates → A c3 ✗, B c0 ✓, C c2 ✓.
    Outcome shortest = db.braid({"replay", run, "--verifier", "shortest", "--json"});
    REQUIRE(shortest.exit_code == 1);
    json s = json::parse(shortest.out);
    REQUIRE(s["missing"].empty());
    REQUIRE(s["recomputed_verdicts"] == 11);
    REQUIRE(s["tasks"][0]["answer"] == "c");
    REQUIRE(s["tasks"][1]["answer"] == "x");
    REQUIRE(s["tasks"][2]["answer"] == "q");
    REQUIRE(s["solved"] == 2);
}
