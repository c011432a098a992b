// `braid replay RUN`: re-runs selection on a stored run's candidates and verdicts. No backend is
// built, so no model can be called; missing checker verdicts are recomputed by the task's checker.
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "orchestrator/run_executor.hpp"
#include "planner/strategy.hpp"
#include "store/store.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/task_checker.hpp"

namespace braid::orchestrator {

int run_replay(const CommonArgs& common, std::int64_t run_id) {
    auto store = store::Store::open(common.db_path);
    RunId run{run_id};
    store::RunRecord record = load_run(*store, run_id);
    auto config = nlohmann::json::parse(record.config_json, nullptr, false);
    std::string strategy = config.is_object() ? config.value("strategy", "") : "";
    auto rule = planner::selection_rule_of(strategy);
    if (!rule) throw FatalError(std::move(rule).error());

    std::map<std::string, std::vector<verifiers::Candidate>> by_task;
    for (store::CandidateRecord& c : store->candidates(run)) {
        verifiers::Candidate cand;
        cand.node = c.node;
        cand.output = std::move(c.output);
        cand.normalized = std::move(c.normalized);
        by_task[c.task].push_back(std::move(cand));
    }
    for (const store::VerdictRecord& v : store->verdicts(run))
        for (verifiers::Candidate& c : by_task[v.task])
            if (c.node == v.node) c.scores[v.verifier] = v.score;

    nlohmann::json rows = nlohmann::json::array();
    std::size_t solved = 0, mismatches = 0, recomputed = 0;
    auto tasks = store->tasks(run);
    for (const store::TaskRecord& t : tasks) {
        std::vector<verifiers::Candidate>& cands = by_task[t.task_id];
        const tasks::TaskKind* kind = tasks::find_task_kind(t.kind);
        std::optional<tasks::Task> task;  // parsed once, only if some verdict is missing
        for (verifiers::Candidate& c : cands) {
            if (c.score(std::string(verifiers::checker_verifier)) || kind == nullptr) continue;
            if (!task) task = tasks::Task{t.task_id, t.kind, nlohmann::json::parse(t.input_json)};
            verifiers::check_with_task(*kind, *task, c);
            ++recomputed;
        }
        auto selection = verifiers::select_by_rule(*rule, cands);
        if (!selection) throw FatalError(std::move(selection).error());
        std::string answer;
        bool correct = false;
        if (selection->index) {
            const verifiers::Candidate& chosen = cands[*selection->index];
            answer = chosen.normalized;
            correct = chosen.score(std::string(verifiers::checker_verifier)).value_or(0) > 0;
        }
        bool same = answer == t.answer;
        solved += correct;
        mismatches += !same;
        rows.push_back({{"id", t.task_id}, {"answer", answer}, {"stored_answer", t.answer},
                        {"status", correct ? "solved" : "unsolved"}, {"same", same},
                        {"candidates", cands.size()}, {"reason", selection->reason}});
    }

    if (common.json) {
        std::cout << nlohmann::json{{"run", run_id}, {"rule", *rule}, {"tasks", rows}, {"solved", solved},
                                    {"mismatches", mismatches}, {"model_calls", 0},
                                    {"recomputed_verdicts", recomputed}}
                         .dump()
                  << "\n";
    } else {
        std::printf("replay of run %lld: rule %s, %zu tasks, 0 model calls\n", static_cast<long long>(run_id),
                    rule->c_str(), tasks.size());
        for (const auto& r : rows)
            std::printf("  %-16s %-9s %s  %s\n", r["id"].get<std::string>().c_str(), r["status"].get<std::string>().c_str(),
                        r["same"].get<bool>() ? "same as stored" : "DIFFERS from stored",
                        r["answer"].get<std::string>().c_str());
        std::printf("solved %zu/%zu, %zu differ from the stored selection\n", solved, tasks.size(), mismatches);
    }
    if (mismatches > 0) return exit_infra_failure;
    return solved == tasks.size() ? exit_ok : exit_unsolved;
}

}  // namespace braid::orchestrator
