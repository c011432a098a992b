// `braid eval RUN [--rules R1,R2,...]`: selection rules side by side on a stored run's candidates
// (reference §3.2, §6.4), offline. Per rule: the expected accuracy under a random tie-break, the
// accuracy of the deterministic pick, and the cost of the verifiers the rule reads; once: the
// generation cost, pass@k and the oracle coverage.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "orchestrator/commands.hpp"
#include "orchestrator/exit_codes.hpp"
#include "orchestrator/stored_candidates.hpp"
#include "store/store.hpp"
#include "verifiers/evaluation.hpp"
#include "verifiers/selection.hpp"

namespace braid::orchestrator {

namespace {

struct RuleRow {
    std::string rule;
    std::vector<std::string> verifiers;
    double accuracy = 0;  // mean expected accuracy over tasks
    double picked = 0;    // fraction of tasks whose deterministic pick is correct
    VerifierCost cost;    // of the verifiers the rule reads, over every candidate
    std::map<std::string, std::size_t> missing;  // verifier → tasks that lack it
};

// Verifiers whose verdicts cost nothing to a rule: the checker is free, the oracle never read.
bool is_free(const std::string& verifier) {
    return verifier == verifiers::checker_verifier || verifier == verifiers::oracle_verifier;
}

bool correct(const verifiers::Candidate& c) { return verifiers::correctness(c).value_or(false); }

RuleRow evaluate_rule(const std::string& rule, std::vector<StoredTask>& tasks) {
    RuleRow row;
    row.rule = rule;
    row.verifiers = checked_rule_verifiers(rule);
    const bool with_length =
        std::find(row.verifiers.begin(), row.verifiers.end(), verifiers::length_verifier) != row.verifiers.end();
    for (StoredTask& t : tasks) {
        complete_offline_verdicts(t, with_length);
        for (const std::string& v : missing_verifiers(t, row.verifiers)) ++row.missing[v];
        auto selection = verifiers::select_by_rule(rule, t.candidates);
        if (!selection) throw FatalError(std::move(selection).error().with_context("selection rule '" + rule + "'"));
        row.accuracy += verifiers::expected_accuracy(*selection, t.candidates);
        if (selection->index && correct(t.candidates[*selection->index])) row.picked += 1;
        for (const auto& per_candidate : t.costs)
            for (const std::string& v : row.verifiers) {
                if (is_free(v)) continue;
                auto c = per_candidate.find(v);
                if (c == per_candidate.end()) continue;
                row.cost.usd += c->second.usd;
                row.cost.wall_ms += c->second.wall_ms;
            }
    }
    if (!tasks.empty()) {
        row.accuracy /= static_cast<double>(tasks.size());
        row.picked /= static_cast<double>(tasks.size());
    }
    return row;
}

// "R1,R2,...": a piece with '=' and no ':' continues the weighted:<v>=<w>,... rule before it.
std::vector<std::string> split_rules(const std::string& list) {
    std::vector<std::string> rules;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t comma = std::min(list.find(',', start), list.size());
        std::string piece = list.substr(start, comma - start);
        const bool continues = !rules.empty() && piece.find('=') != std::string::npos &&
                               piece.find(':') == std::string::npos &&
                               rules.back().find('=') != std::string::npos;
        if (continues)
            rules.back() += "," + piece;
        else if (!piece.empty())
            rules.push_back(std::move(piece));
        start = comma + 1;
    }
    return rules;
}

void add_unique(std::vector<std::string>& rules, const std::string& rule) {
    if (std::find(rules.begin(), rules.end(), rule) == rules.end()) rules.push_back(rule);
}

// k = 1, 2, 4, ... below the largest n, and the largest n itself.
std::vector<std::size_t> pass_ks(std::size_t max_n) {
    std::vector<std::size_t> ks;
    for (std::size_t k = 1; k < max_n; k *= 2) ks.push_back(k);
    if (max_n > 0) ks.push_back(max_n);
    return ks;
}

}  // namespace

int run_eval(const CommonArgs& common, std::int64_t run_id, const std::string& rules_arg) {
    auto store = store::Store::open_read_only(common.db_path);
    StoredRun run = load_stored_run(*store, run_id);
    const std::optional<std::string> stored = stored_rule(run);

    std::vector<std::string> rules;
    if (!rules_arg.empty()) {
        for (const std::string& r : split_rules(rules_arg)) add_unique(rules, r);
        if (rules.empty()) throw FatalError(make_error(ErrorCode::invalid_input, "--rules names no rule"));
    } else {
        if (stored) rules.push_back(*stored);
        for (const std::string& r : verifiers::applicable_rules(verifier_names(run))) add_unique(rules, r);
    }
    for (const std::string& r : rules) checked_rule_verifiers(r);  // every rule is checked before any work

    std::vector<RuleRow> rows;
    for (const std::string& r : rules) rows.push_back(evaluate_rule(r, run.tasks));

    // Coverage: correctness after every rule's offline completion (checker recomputed once).
    const double num_tasks = static_cast<double>(run.tasks.size());
    std::size_t max_n = 0, covered = 0;
    for (const StoredTask& t : run.tasks) {
        max_n = std::max(max_n, t.candidates.size());
        covered += std::any_of(t.candidates.begin(), t.candidates.end(), correct);
    }
    std::vector<std::pair<std::size_t, double>> pass;
    for (std::size_t k : pass_ks(max_n)) {
        double sum = 0;
        for (const StoredTask& t : run.tasks) {
            auto c = static_cast<std::size_t>(std::count_if(t.candidates.begin(), t.candidates.end(), correct));
            sum += verifiers::pass_at_k(t.candidates.size(), c, k);
        }
        pass.emplace_back(k, run.tasks.empty() ? 0.0 : sum / num_tasks);
    }
    const double oracle = run.tasks.empty() ? 0.0 : static_cast<double>(covered) / num_tasks;
    const GenerationCost gen = generation_cost(run);

    if (common.json) {
        nlohmann::json rule_rows = nlohmann::json::array();
        for (const RuleRow& r : rows)
            rule_rows.push_back({{"rule", r.rule}, {"verifiers", r.verifiers}, {"accuracy", r.accuracy},
                                 {"picked", r.picked}, {"verifier_cost_usd", r.cost.usd},
                                 {"verifier_wall_ms", r.cost.wall_ms}, {"cost_usd", gen.usd + r.cost.usd},
                                 {"missing", r.missing}});
        nlohmann::json pass_rows = nlohmann::json::array();
        for (const auto& [k, value] : pass) pass_rows.push_back({{"k", k}, {"pass", value}});
        std::cout << json_text(nlohmann::json{{"run", run_id},
                                              {"strategy", run.strategy},
                                              {"stored_rule", stored.value_or("")},
                                              {"tasks", run.tasks.size()},
                                              {"generation",
                                               {{"prompt_tokens", gen.usage.prompt_tokens},
                                                {"completion_tokens", gen.usage.completion_tokens},
                                                {"tokens", gen.usage.total_tokens()},
                                                {"cost_usd", gen.usd}}},
                                              {"rules", rule_rows},
                                              {"pass_at_k", pass_rows},
                                              {"oracle_coverage", oracle},
                                              {"model_calls", 0}})
                  << "\n";
        return exit_ok;
    }

    std::printf("eval of run %lld: %zu tasks, strategy %s (stored rule %s), 0 model calls\n",
                static_cast<long long>(run_id), run.tasks.size(), run.strategy.empty() ? "?" : run.strategy.c_str(),
                stored ? stored->c_str() : "none");
    std::printf("generation (every rule): %lld tokens (%lld prompt + %lld completion), $%.6f\n",
                static_cast<long long>(gen.usage.total_tokens()), static_cast<long long>(gen.usage.prompt_tokens),
                static_cast<long long>(gen.usage.completion_tokens), gen.usd);
    std::printf("  %-32s %9s %7s %13s %12s %12s\n", "rule", "accuracy", "picked", "verifier $", "verifier ms",
                "total $");
    for (const RuleRow& r : rows) {
        std::printf("  %-32s %9.4f %7.4f %13.6f %12.0f %12.6f", r.rule.c_str(), r.accuracy, r.picked, r.cost.usd,
                    r.cost.wall_ms, gen.usd + r.cost.usd);
        if (!r.missing.empty()) {
            std::printf("  missing:");
            for (const auto& [v, n] : r.missing) std::printf(" %s on %zu", v.c_str(), n);
        }
        std::printf("\n");
    }
    std::printf("coverage:");
    for (const auto& [k, value] : pass) std::printf(" pass@%zu %.4f", k, value);
    std::printf("  oracle %.4f\n", oracle);
    return exit_ok;
}

}  // namespace braid::orchestrator
