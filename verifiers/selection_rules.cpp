// Rule names → rules (select_by_rule), the verifiers each reads, and the rules worth comparing.
#include <algorithm>
#include <string>

#include "core/assert.hpp"
#include "verifiers/selection.hpp"
#include "verifiers/selection_support.hpp"

namespace braid::verifiers {

namespace {

constexpr std::string_view known_rules =
    "majority, weighted-majority:<verifier>, best-score:<verifier>, majority-of-best:<verifier>, "
    "first-finish, shortest, hybrid, selector, weighted:<verifier>=<weight>,...";

enum class RuleKind {
    majority,
    weighted_majority,
    best_score,
    majority_of_best,
    first_finish,
    shortest,
    hybrid,
    selector,
    weighted
};

struct ParsedRule {
    RuleKind kind = RuleKind::majority;
    std::string verifier;                      // the <v> of a parametrized rule
    std::vector<detail::WeightedTerm> terms;  // weighted only
};

Error oracle_error(std::string_view rule) {
    return make_error(ErrorCode::invalid_input,
                      "selection rule '" + std::string(rule) +
                          "' names the oracle, which is for evaluation only: no selection rule may read it");
}

Result<ParsedRule> parse_rule(std::string_view rule) {
    if (rule == "majority") return ParsedRule{RuleKind::majority, "", {}};
    if (rule == "first-finish") return ParsedRule{RuleKind::first_finish, "", {}};
    if (rule == "shortest") return ParsedRule{RuleKind::shortest, "", {}};
    if (rule == "hybrid") return ParsedRule{RuleKind::hybrid, "", {}};
    if (rule == "selector") return ParsedRule{RuleKind::selector, "", {}};
    constexpr std::string_view weighted_prefix = "weighted:";
    if (rule.starts_with(weighted_prefix)) {
        auto terms = detail::parse_weighted_spec(rule.substr(weighted_prefix.size()));
        if (!terms) return terms.error();
        return ParsedRule{RuleKind::weighted, "", std::move(*terms)};
    }
    struct Prefixed {
        std::string_view prefix;
        RuleKind kind;
    };
    constexpr Prefixed prefixed[] = {{"weighted-majority:", RuleKind::weighted_majority},
                                     {"best-score:", RuleKind::best_score},
                                     {"majority-of-best:", RuleKind::majority_of_best}};
    for (const Prefixed& p : prefixed) {
        if (!rule.starts_with(p.prefix) || rule.size() == p.prefix.size()) continue;
        std::string_view verifier = rule.substr(p.prefix.size());
        if (verifier == oracle_verifier) return oracle_error(rule);
        return ParsedRule{p.kind, std::string(verifier), {}};
    }
    return make_error(ErrorCode::invalid_input,
                      "unknown selection rule '" + std::string(rule) + "'; known rules: " + std::string(known_rules));
}

}  // namespace

Result<Selection> select_by_rule(std::string_view rule, const std::vector<Candidate>& candidates) {
    auto parsed = parse_rule(rule);
    if (!parsed) return parsed.error();
    switch (parsed->kind) {
        case RuleKind::majority: return select_majority(candidates);
        case RuleKind::weighted_majority: return select_weighted_majority(candidates, parsed->verifier);
        case RuleKind::best_score: return select_best_score(candidates, parsed->verifier);
        case RuleKind::majority_of_best: return select_majority_of_best(candidates, parsed->verifier);
        case RuleKind::first_finish: return select_first_finish(candidates);
        case RuleKind::shortest: return detail::select_shortest(candidates);
        case RuleKind::hybrid: return select_hybrid(candidates);
        case RuleKind::selector: return detail::select_selector(candidates);
        case RuleKind::weighted: return detail::select_weighted(candidates, parsed->terms, std::string(rule));
    }
    BRAID_ASSERT(false, "every rule kind is dispatched");
    return make_error(ErrorCode::invalid_input, "unreachable");
}

Result<std::vector<std::string>> rule_verifiers(std::string_view rule) {
    auto parsed = parse_rule(rule);
    if (!parsed) return parsed.error();
    const std::vector<std::string> cascade{std::string(apply_verifier), std::string(judge_verifier),
                                           std::string(regression_verifier), std::string(repro_verifier)};
    switch (parsed->kind) {
        case RuleKind::majority: return std::vector<std::string>{};
        case RuleKind::weighted_majority:
        case RuleKind::best_score:
        case RuleKind::majority_of_best: return std::vector<std::string>{parsed->verifier};
        case RuleKind::first_finish: return std::vector<std::string>{std::string(first_finish_verifier)};
        case RuleKind::shortest: return std::vector<std::string>{std::string(length_verifier)};
        case RuleKind::hybrid: return cascade;
        case RuleKind::selector: {
            std::vector<std::string> out{std::string(selector_verifier)};
            out.insert(out.end(), cascade.begin(), cascade.end());
            return out;
        }
        case RuleKind::weighted: {
            std::vector<std::string> out;
            for (const auto& term : parsed->terms)
                if (term.verifier != detail::majority_pseudo_verifier) out.push_back(term.verifier);
            return out;
        }
    }
    BRAID_ASSERT(false, "every rule kind is listed");
    return std::vector<std::string>{};
}

std::vector<std::string> applicable_rules(const std::vector<std::string>& verifiers) {
    auto has = [&](std::string_view v) { return std::find(verifiers.begin(), verifiers.end(), v) != verifiers.end(); };
    std::vector<std::string> rules{"majority"};
    auto add = [&](std::string rule) {
        if (std::find(rules.begin(), rules.end(), rule) == rules.end()) rules.push_back(std::move(rule));
    };
    // best-score on every visible verifier, except those with a rule of their own and `apply` (a
    // filter: every applying patch ties).
    for (const std::string& v : verifiers) {
        if (v.empty() || v == oracle_verifier || v == length_verifier || v == first_finish_verifier ||
            v == selector_verifier || v == apply_verifier)
            continue;
        add("best-score:" + v);
    }
    if (has(judge_verifier)) add("weighted-majority:" + std::string(judge_verifier));
    if (has(confidence_verifier)) add("weighted-majority:" + std::string(confidence_verifier));
    if (has(length_verifier)) add("shortest");
    if (has(first_finish_verifier)) add("first-finish");
    if (has(regression_verifier)) add("majority-of-best:" + std::string(regression_verifier));
    // The cascade differs from majority once any of its scoring steps has a verdict.
    if (has(judge_verifier) || has(regression_verifier) || has(repro_verifier)) add("hybrid");
    if (has(selector_verifier)) add("selector");
    return rules;
}

}  // namespace braid::verifiers
