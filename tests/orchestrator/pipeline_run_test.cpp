// Pipeline runs on Countdown: two symbolic generate models, a scripted judge that says "Yes" to
// traces that reach the goal, stored in a real SQLite store.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "orchestrator/pipeline_run.hpp"
#include "tasks/countdown/generator.hpp"
#include "tasks/task_kind.hpp"
#include "tests/support/temp_dir.hpp"

using braid::BudgetUnit;
using braid::Logger;
using braid::LogLevel;
using braid::test::TempDir;
using nlohmann::json;
namespace orch = braid::orchestrator;
namespace pipeline = braid::search;
namespace store = braid::store;

namespace {

constexpr std::uint64_t problems_seed = 11;
constexpr std::size_t num_tasks = 5;

std::vector<braid::tasks::Task> countdown_tasks() {
    std::vector<braid::tasks::Task> tasks;
    const auto problems = braid::tasks::countdown::generate(problems_seed, num_tasks);
    for (std::size_t i = 0; i < problems.size(); ++i) {
        braid::tasks::Task t;
        t.id = "cd-" + std::to_string(i + 1);
        t.kind = "countdown";
        t.input = braid::tasks::countdown::problem_to_json(t.id, problems[i]);
        tasks.push_back(std::move(t));
    }
    return tasks;
}

// The judge: "Yes" (P ≈ 0.9) for a trace that reached the goal, "No" otherwise.
std::string write_judge_script(const TempDir& dir) {
    json script{{"replies", json::array({{{"match", "Goal Reached"},
                                          {"text", "Yes"},
                                          {"top_logprobs", {{"Yes", -0.1}, {"No", -2.4}}}}})},
                {"default", {{"text", "No"}, {"top_logprobs", {{"No", -0.1}, {"Yes", -2.4}}}}}};
    const std::string path = dir / "judge.json";
    braid::test::write_file_bytes(path, script.dump());
    return path;
}

pipeline::PipelineSpec countdown_spec(const std::string& judge_script) {
    pipeline::PipelineSpec spec;
    spec.name = "countdown-judge";
    for (const char* name : {"small", "large"}) {
        pipeline::ModelSpec m;
        m.name = name;
        m.backend = braid::backends::BackendKind::symbolic;
        spec.models.push_back(m);
    }
    pipeline::ModelSpec judge;
    judge.name = "scripted-judge";
    judge.backend = braid::backends::BackendKind::scripted;
    judge.script_path = judge_script;
    spec.models.push_back(judge);

    pipeline::StageSpec generate;
    generate.name = "generate";
    generate.kind = pipeline::StageKind::generate;
    generate.models = {"small", "large"};
    generate.samples = {1, 2, 3};
    generate.iterations = {1};
    generate.max_tokens = 4096;
    generate.tokens = {60, 600};
    pipeline::StageSpec verify;
    verify.name = "verify";
    verify.kind = pipeline::StageKind::verify;
    verify.inputs = {"generate"};
    verify.models = {"scripted-judge"};
    verify.samples = {0, 1, 2};
    verify.iterations = {1};
    verify.max_tokens = 8;
    verify.tokens = {800, 1};
    pipeline::StageSpec select;
    select.name = "select";
    select.kind = pipeline::StageKind::select;
    select.inputs = {"generate", "verify"};
    select.rules = {"majority", "weighted-majority:judge"};
    spec.stages = {generate, verify, select};
    return spec;
}

std::vector<braid::search::StageSetting> setting(const std::string& model, int samples, int judge_samples, const std::string& rule) {
    return {braid::search::StageSetting{model, samples, 1, ""}, braid::search::StageSetting{"scripted-judge", judge_samples, 1, ""},
            braid::search::StageSetting{"", 1, 1, rule}};
}

std::map<std::int64_t, std::string> paths_of(store::Store& db, braid::RunId run) {
    std::map<std::int64_t, std::string> paths;
    for (const store::NodeRecord& n : db.nodes(run)) paths[n.id.value] = n.path;
    return paths;
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

}  // namespace

TEST_CASE("A record run stores every generate model at its largest sample count and judges every distinct key",
          "[pipeline]") {
    TempDir dir;
    auto db = store::Store::open(dir / "braid.db");
    const auto spec = countdown_spec(write_judge_script(dir));
    const auto tasks = countdown_tasks();
    orch::PipelineRunOptions options;
    options.seed = 3;
    auto result = orch::record_pipeline(*db, spec, tasks, Logger(LogLevel::off), options);
    REQUIRE(result.tasks == tasks.size());

    auto record = db->run(result.run);
    REQUIRE(record.has_value());
    json config = json::parse(record->config_json);
    CHECK(config["strategy"] == "pipeline");
    CHECK(config["pipeline"]["name"] == "countdown-judge");
    CHECK(config["pipeline"]["stages"].size() == 3);
    CHECK(config["pipeline_config"].is_null());

    const auto paths = paths_of(*db, result.run);
    std::set<std::string> path_set;
    for (const auto& [id, path] : paths) path_set.insert(path);
    const auto candidates = db->candidates(result.run);
    const auto verdicts = db->verdicts(result.run);
    for (const braid::tasks::Task& t : tasks) {
        INFO(t.id);
        std::set<std::string> keys;
        for (const char* model : {"small", "large"}) {
            const std::string scope = "t/" + t.id + "/generate/" + model + "/t1";
            REQUIRE(path_set.count(scope) == 1);
            std::size_t count = 0;
            for (const store::CandidateRecord& c : candidates) {
                if (!starts_with(paths.at(c.node.value), scope + "/")) continue;
                ++count;
                if (!c.normalized.empty()) keys.insert(c.normalized);
            }
            CHECK(count == 3);
        }
        // One judge verdict per distinct key, on the first candidate holding it, with its judge nodes.
        std::set<std::string> judged;
        for (const store::VerdictRecord& v : verdicts) {
            if (v.task != t.id || v.verifier != "judge") continue;
            json details = json::parse(v.details_json);
            CHECK(details["stage"] == "verify");
            CHECK(details["model"] == "scripted-judge");
            CHECK(details["logprobs"] == true);
            CHECK(details["score"].get<double>() == Approx(v.score));
            const std::string& cand_path = paths.at(v.node.value);
            CHECK(path_set.count(cand_path + "/verify@scripted-judge/judge0") == 1);
            for (const store::CandidateRecord& c : candidates)
                if (c.node == v.node) judged.insert(c.normalized);
        }
        CHECK(judged == keys);
    }
    // The judge scores solved traces high: some verdict is above one half when some task is covered.
    if (result.solved > 0) {
        bool high = false;
        for (const store::VerdictRecord& v : verdicts) high = high || (v.verifier == "judge" && v.score > 0.5);
        CHECK(high);
    }
}

TEST_CASE("A configuration run stores outcomes whose accuracy the store confirms", "[pipeline]") {
    TempDir dir;
    auto db = store::Store::open(dir / "braid.db");
    const auto spec = countdown_spec(write_judge_script(dir));
    const auto tasks = countdown_tasks();
    orch::PipelineRunOptions options;
    options.seed = 5;
    auto result = orch::run_pipeline_settings(*db, spec, setting("large", 3, 1, "weighted-majority:judge"), tasks,
                                              Logger(LogLevel::off), options);
    REQUIRE(result.tasks == tasks.size());

    json config = json::parse(db->run(result.run)->config_json);
    CHECK(config["pipeline_config"]["generate"]["model"] == "large");
    CHECK(config["pipeline_config"]["generate"]["samples"] == 3);
    CHECK(config["pipeline_config"]["select"]["rule"] == "weighted-majority:judge");

    std::map<std::int64_t, double> checker;
    for (const store::VerdictRecord& v : db->verdicts(result.run))
        if (v.verifier == "checker") checker[v.node.value] = v.score;
    std::size_t solved = 0;
    for (const store::TaskRecord& t : db->tasks(result.run)) {
        INFO(t.task_id << " " << store::outcome_name(t.outcome));
        REQUIRE(
            (t.outcome == store::TaskStatus::solved || t.outcome == store::TaskStatus::unsolved));
        // Solved exactly when a candidate was chosen and it passes the checker.
        const bool correct = t.selected_node.value != 0 && checker.at(t.selected_node.value) >= 1.0;
        CHECK(correct == (t.outcome == store::TaskStatus::solved));
        solved += t.outcome == store::TaskStatus::solved;
    }
    CHECK(result.solved == solved);
    CHECK(result.accuracy() == Approx(static_cast<double>(solved) / static_cast<double>(tasks.size())));
    CHECK(result.budget_exhausted == 0);
    CHECK(result.spent[BudgetUnit::samples] > 0);
}

TEST_CASE("A tight budget stops some tasks and is never overspent", "[pipeline]") {
    TempDir dir;
    auto db = store::Store::open(dir / "braid.db");
    const auto spec = countdown_spec(write_judge_script(dir));
    const auto tasks = countdown_tasks();
    orch::PipelineRunOptions options;
    options.seed = 5;
    options.parallel_tasks = 2;
    const double budget = 4;  // samples: fewer than one per task once generate and verify split a share
    options.budget = braid::search::SearchBudget{BudgetUnit::samples, budget};
    auto result = orch::run_pipeline_settings(*db, spec, setting("small", 2, 1, "majority"), tasks,
                                              Logger(LogLevel::off), options);
    REQUIRE(result.tasks == tasks.size());
    CHECK(result.spent[BudgetUnit::samples] <= budget);
    CHECK(result.budget_exhausted >= 1);
    std::size_t stopped = 0;
    std::size_t calls = 0;
    for (const store::TaskRecord& t : db->tasks(result.run))
        stopped += t.outcome == store::TaskStatus::budget_exhausted;
    for (const store::NodeRecord& n : db->nodes(result.run)) calls += n.usage.total_tokens() > 0;
    CHECK(stopped == result.budget_exhausted);
    CHECK(static_cast<double>(calls) == result.spent[BudgetUnit::samples]);
    CHECK(db->run(result.run)->status == store::RunStatus::budget_exhausted);
}

TEST_CASE("Two configuration runs with the same seed store the same results", "[pipeline]") {
    TempDir dir;
    const auto spec = countdown_spec(write_judge_script(dir));
    const auto tasks = countdown_tasks();
    orch::PipelineRunOptions options;
    options.seed = 9;
    options.parallel_tasks = 3;
    std::vector<std::vector<std::string>> runs;
    for (const char* name : {"a.db", "b.db"}) {
        auto db = store::Store::open(dir / name);
        auto result = orch::run_pipeline_settings(*db, spec, setting("small", 3, 2, "weighted-majority:judge"), tasks,
                                                  Logger(LogLevel::off), options);
        const auto paths = paths_of(*db, result.run);
        std::vector<std::string> rows;
        for (const store::TaskRecord& t : db->tasks(result.run))
            rows.push_back(t.task_id + " " + std::string(store::outcome_name(t.outcome)) + " " +
                           t.answer + " " +
                           (t.selected_node.value != 0 ? paths.at(t.selected_node.value) : "-"));
        std::map<std::string, std::string> by_path;
        for (const store::CandidateRecord& c : db->candidates(result.run)) by_path[paths.at(c.node.value)] = c.normalized;
        for (const store::VerdictRecord& v : db->verdicts(result.run))
            rows.push_back(paths.at(v.node.value) + " " + v.verifier + " " + std::to_string(v.score));
        for (const auto& [path, key] : by_path) rows.push_back(path + " " + key);
        std::sort(rows.begin(), rows.end());
        runs.push_back(std::move(rows));
    }
    REQUIRE(runs[0].size() > tasks.size());
    CHECK(runs[0] == runs[1]);
}
