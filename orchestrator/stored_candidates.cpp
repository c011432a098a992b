#include "orchestrator/stored_candidates.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "orchestrator/run_executor.hpp"
#include "planner/strategy.hpp"
#include "store/store.hpp"
#include "tasks/task_kind.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/task_checker.hpp"

namespace braid::orchestrator {

namespace {

// Task kinds whose grade reads hidden data: it is the oracle, never recomputed as a checker.
bool grade_is_hidden(std::string_view kind) {
    const tasks::TaskKind* k = tasks::find_task_kind(kind);
    return k != nullptr && k->grade_is_hidden();
}

// The verdict's details as JSON; null when absent or malformed (details are free-form text).
nlohmann::json parse_details(const std::string& details_json) {
    auto j = nlohmann::json::parse(details_json, nullptr, false);
    return j.is_object() ? j : nlohmann::json{};
}

}  // namespace

StoredRun load_stored_run(store::Store& store, std::int64_t run_id) {
    StoredRun out;
    out.record = load_run(store, run_id);
    RunId run{run_id};
    auto config = nlohmann::json::parse(out.record.config_json, nullptr, false);
    if (config.is_object() && config.contains("strategy") && config["strategy"].is_string())
        out.strategy = config["strategy"].get<std::string>();
    if (config.is_object() && config.contains("strategy_options"))
        if (auto options = planner::strategy_options_from_json(config["strategy_options"]))
            out.options = std::move(*options);
    out.nodes = store.nodes(run);
    std::map<std::int64_t, std::int64_t> completion_tokens;  // node id → its completion tokens
    for (const store::NodeRecord& n : out.nodes) completion_tokens[n.id.value] = n.usage.completion_tokens;

    std::map<std::string, std::size_t> task_index;
    for (store::TaskRecord& t : store.tasks(run)) {
        task_index.emplace(t.task_id, out.tasks.size());
        out.tasks.push_back(StoredTask{std::move(t), {}, {}});
    }
    // (task, node) → position of the candidate in its task's list.
    std::map<std::pair<std::string, std::int64_t>, std::size_t> candidate_index;
    for (store::CandidateRecord& c : store.candidates(run)) {  // by node: creation order
        auto t = task_index.find(c.task);
        if (t == task_index.end()) continue;  // a candidate of no stored task: nothing selects it
        StoredTask& task = out.tasks[t->second];
        verifiers::Candidate cand;
        cand.node = c.node;
        cand.output = std::move(c.output);
        cand.normalized = std::move(c.normalized);
        if (auto tokens = completion_tokens.find(c.node.value); tokens != completion_tokens.end())
            cand.completion_tokens = tokens->second;
        candidate_index[{c.task, c.node.value}] = task.candidates.size();
        task.candidates.push_back(std::move(cand));
        task.costs.emplace_back();
    }
    for (const store::VerdictRecord& v : store.verdicts(run)) {
        auto at = candidate_index.find({v.task, v.node.value});
        if (at == candidate_index.end()) continue;  // a verdict on no stored candidate
        StoredTask& task = out.tasks[task_index.at(v.task)];
        verifiers::Candidate& cand = task.candidates[at->second];
        cand.scores[v.verifier] = v.score;
        nlohmann::json details = parse_details(v.details_json);
        if (v.verifier == verifiers::repro_verifier && details.contains("signature") &&
            details["signature"].is_string())
            cand.repro_signature = details["signature"].get<std::string>();
        VerifierCost& cost = task.costs[at->second][v.verifier];
        cost.usd = v.cost_usd;
        if (details.contains("wall_ms") && details["wall_ms"].is_number())
            cost.wall_ms = details["wall_ms"].get<double>();
    }
    return out;
}

std::optional<std::string> stored_rule(const StoredRun& run) {
    auto rule = planner::selection_rule_of(run.strategy, run.options);
    if (!rule) return std::nullopt;
    return std::move(*rule);
}

std::vector<std::string> checked_rule_verifiers(const std::string& rule) {
    auto verifiers = verifiers::rule_verifiers(rule);
    if (verifiers) return std::move(*verifiers);
    Error error = std::move(verifiers).error();
    if (error.message.find(rule) == std::string::npos)
        error = std::move(error).with_context("selection rule '" + rule + "'");
    throw FatalError(std::move(error));
}

std::vector<std::string> verifier_names(const StoredRun& run) {
    std::set<std::string> names;
    for (const StoredTask& t : run.tasks)
        for (const verifiers::Candidate& c : t.candidates)
            for (const auto& [name, score] : c.scores) names.insert(name);
    return {names.begin(), names.end()};
}

std::size_t complete_offline_verdicts(StoredTask& task, bool with_length) {
    std::size_t computed = 0;
    const tasks::TaskKind* kind = tasks::find_task_kind(task.record.kind);
    const bool checkable = kind != nullptr && !grade_is_hidden(task.record.kind);
    std::optional<tasks::Task> parsed;  // parsed once, only if some verdict is missing
    for (verifiers::Candidate& c : task.candidates) {
        if (checkable && !c.score(verifiers::checker_verifier) && !c.score(verifiers::oracle_verifier)) {
            if (!parsed)
                parsed = tasks::Task{task.record.task_id, task.record.kind, nlohmann::json::parse(task.record.input_json)};
            verifiers::check_with_task(*kind, *parsed, c);  // also (re)sets the normalized key
            ++computed;
        }
        if (with_length && !c.score(verifiers::length_verifier)) {
            c.scores[std::string(verifiers::length_verifier)] = -static_cast<double>(c.completion_tokens);
            ++computed;
        }
    }
    return computed;
}

bool computable_offline(const std::string& verifier) {
    return verifier == verifiers::checker_verifier || verifier == verifiers::length_verifier;
}

std::vector<std::string> missing_verifiers(const StoredTask& task, const std::vector<std::string>& rule_verifiers) {
    std::vector<std::string> missing;
    if (task.candidates.empty()) return missing;
    for (const std::string& v : rule_verifiers) {
        if (computable_offline(v)) continue;
        bool present = std::any_of(task.candidates.begin(), task.candidates.end(),
                                   [&v](const verifiers::Candidate& c) { return c.score(v).has_value(); });
        if (!present) missing.push_back(v);
    }
    return missing;
}

GenerationCost generation_cost(const StoredRun& run) {
    GenerationCost cost;
    for (const store::NodeRecord& n : run.nodes) {
        // Judge and verify nodes cost a verifier's, not generation's.
        if (n.kind == store::NodeKind::judge || n.kind == store::NodeKind::verify) continue;
        cost.usage += n.usage;
        cost.usd += n.cost_usd;
    }
    return cost;
}

}  // namespace braid::orchestrator
