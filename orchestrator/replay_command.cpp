// `braid replay RUN [--verifier RULE]`: re-runs selection on a stored run's candidates and
// verdicts, with the stored strategy's rule or RULE. No backend is built, so no model can be
// called: missing checker and length verdicts are recomputed offline (stored_candidates.hpp);
// verdicts only a model or a sandbox could give (judge, repro, ...) are reported missing and the
// rule selects with what exists.
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "orchestrator/stored_candidates.hpp"
#include "planner/strategy.hpp"
#include "store/store.hpp"
#include "verifiers/selection.hpp"

namespace braid::orchestrator {

namespace {

bool reads(const std::vector<std::string>& verifiers, std::string_view name) {
    for (const std::string& v : verifiers)
        if (v == name) return true;
    return false;
}

}  // namespace

int run_replay(const CommonArgs& common, std::int64_t run_id, const std::string& rule_arg) {
    auto store = store::Store::open_read_only(common.db_path);
    StoredRun run = load_stored_run(*store, run_id);
    const std::optional<std::string> stored = stored_rule(run);
    std::string rule = rule_arg;
    if (rule.empty()) {
        auto of_strategy = planner::selection_rule_of(run.strategy, run.options);
        if (!of_strategy) throw FatalError(std::move(of_strategy).error());
        rule = std::move(*of_strategy);
    }
    const std::vector<std::string> used = checked_rule_verifiers(rule);
    // A different rule is expected to choose differently: then a mismatch is information, not a
    // failure of replay.
    const bool same_rule = stored && *stored == rule;

    nlohmann::json rows = nlohmann::json::array();
    std::map<std::string, std::size_t> missing;  // verifier → tasks that lack it
    std::size_t solved = 0, mismatches = 0, recomputed = 0;
    for (StoredTask& t : run.tasks) {
        recomputed += complete_offline_verdicts(t, reads(used, verifiers::length_verifier));
        for (const std::string& v : missing_verifiers(t, used)) ++missing[v];
        const std::vector<verifiers::Candidate>& cands = t.candidates;
        auto selection = verifiers::select_by_rule(rule, cands);
        if (!selection) throw FatalError(std::move(selection).error());
        std::string answer;
        bool correct = false;
        if (selection->index) {
            const verifiers::Candidate& chosen = cands[*selection->index];
            answer = chosen.normalized;
            correct = verifiers::correctness(chosen).value_or(false);
        }
        bool same = answer == t.record.answer;
        solved += correct;
        mismatches += !same;
        rows.push_back(
            {{"id", t.record.task_id},
             {"answer", answer},
             {"stored_answer", t.record.answer},
             {"status", std::string(store::to_string(correct ? store::TaskStatus::solved
                                                             : store::TaskStatus::unsolved))},
             {"same", same},
             {"candidates", cands.size()},
             {"reason", selection->reason}});
    }

    if (common.json) {
        std::cout << json_text(nlohmann::json{{"run", run_id},
                                              {"rule", rule},
                                              {"stored_rule", stored.value_or("")},
                                              {"tasks", rows},
                                              {"solved", solved},
                                              {"mismatches", mismatches},
                                              {"missing", missing},
                                              {"model_calls", 0},
                                              {"recomputed_verdicts", recomputed}})
                  << "\n";
    } else {
        std::printf("replay of run %lld: rule %s%s, %zu tasks, 0 model calls\n", static_cast<long long>(run_id),
                    rule.c_str(), same_rule ? "" : (" (stored rule: " + stored.value_or("none") + ")").c_str(),
                    run.tasks.size());
        for (const auto& [verifier, tasks] : missing)
            std::printf("  missing: no %s verdict on %zu/%zu tasks (needs a model or a sandbox); selecting with "
                        "what exists\n",
                        verifier.c_str(), tasks, run.tasks.size());
        for (const auto& r : rows)
            std::printf("  %-16s %-9s %s  %s\n", r["id"].get<std::string>().c_str(), r["status"].get<std::string>().c_str(),
                        r["same"].get<bool>() ? "same as stored" : (same_rule ? "DIFFERS from stored" : "differs from stored"),
                        r["answer"].get<std::string>().c_str());
        std::printf("solved %zu/%zu, %zu differ from the stored selection\n", solved, run.tasks.size(), mismatches);
    }
    if (same_rule && mismatches > 0) return exit_infra_failure;
    return solved == run.tasks.size() ? exit_ok : exit_unsolved;
}

}  // namespace braid::orchestrator
