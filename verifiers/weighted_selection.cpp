// weighted:<v>=<w>,... (reference §8b): an ablation that mixes verifiers on one scale. Scores are
// standardized per verifier (z over the candidates with an answer that have the score) so that a
// judge probability and a count of failing tests can be added; `majority` adds w·log(cluster size).
// Candidates without an answer take no part: they have no cluster.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string>

#include "verifiers/selection_support.hpp"

namespace braid::verifiers::detail {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

Error spec_error(std::string message) {
    return make_error(ErrorCode::invalid_input,
                      "weighted: " + message + " (expected weighted:<verifier>=<weight>,...; "
                      "the pseudo-verifier 'majority' weighs log(cluster size))");
}

// z-scores of `verifier` over `eligible`; 0 where missing or when every value is equal.
std::vector<double> z_scores(const std::vector<Candidate>& candidates, const std::vector<std::size_t>& eligible,
                             std::string_view verifier) {
    std::vector<double> z(candidates.size(), 0.0);
    double sum = 0;
    double lo = INFINITY;
    double hi = -INFINITY;
    std::size_t count = 0;
    for (std::size_t i : eligible)
        if (auto s = candidates[i].score(verifier)) {
            sum += *s;
            lo = std::min(lo, *s);
            hi = std::max(hi, *s);
            ++count;
        }
    if (count == 0 || same_score(lo, hi)) return z;
    double mean = sum / static_cast<double>(count);
    double squares = 0;
    for (std::size_t i : eligible)
        if (auto s = candidates[i].score(verifier)) squares += (*s - mean) * (*s - mean);
    double stddev = std::sqrt(squares / static_cast<double>(count));  // population deviation
    for (std::size_t i : eligible)
        if (auto s = candidates[i].score(verifier)) z[i] = (*s - mean) / stddev;
    return z;
}

}  // namespace

Result<std::vector<WeightedTerm>> parse_weighted_spec(std::string_view spec) {
    if (trim(spec).empty()) return spec_error("no terms");
    std::vector<WeightedTerm> terms;
    std::set<std::string, std::less<>> seen;
    while (true) {
        std::size_t comma = spec.find(',');
        std::string_view term = trim(spec.substr(0, comma));
        std::size_t eq = term.find('=');
        if (eq == std::string_view::npos)
            return spec_error("term '" + std::string(term) + "' has no '=<weight>'");
        std::string_view name = trim(term.substr(0, eq));
        std::string_view number = trim(term.substr(eq + 1));
        if (name.empty()) return spec_error("term '" + std::string(term) + "' names no verifier");
        if (name == oracle_verifier)
            return make_error(ErrorCode::invalid_input,
                              "weighted: term '" + std::string(term) +
                                  "' names the oracle, which is for evaluation only: no selection rule may read it");
        double weight = 0;
        if (number.size() > 1 && number.front() == '+') number.remove_prefix(1);  // from_chars takes no '+'
        auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), weight);
        if (number.empty() || ec != std::errc{} || end != number.data() + number.size() || !std::isfinite(weight))
            return spec_error("term '" + std::string(term) + "' has no numeric weight");
        if (!seen.insert(std::string(name)).second)
            return spec_error("term '" + std::string(term) + "' names '" + std::string(name) + "' twice");
        terms.push_back(WeightedTerm{std::string(name), weight});
        if (comma == std::string_view::npos) break;
        spec.remove_prefix(comma + 1);
    }
    return terms;
}

Selection select_weighted(const std::vector<Candidate>& candidates, const std::vector<WeightedTerm>& terms,
                          std::string rule) {
    std::vector<std::size_t> eligible;
    std::vector<std::size_t> cluster_size(candidates.size(), 0);
    for (const Cluster& c : cluster_candidates(candidates))
        for (std::size_t i : c.members) {
            eligible.push_back(i);
            cluster_size[i] = c.members.size();
        }
    if (eligible.empty()) return select_from_ties(std::move(rule), {}, "no candidate holds an answer");
    std::sort(eligible.begin(), eligible.end());

    std::vector<double> total(candidates.size(), 0.0);
    for (const WeightedTerm& term : terms) {
        if (term.verifier == majority_pseudo_verifier) {
            for (std::size_t i : eligible) total[i] += term.weight * std::log(static_cast<double>(cluster_size[i]));
            continue;
        }
        std::vector<double> z = z_scores(candidates, eligible, term.verifier);
        for (std::size_t i : eligible) total[i] += term.weight * z[i];
    }
    std::vector<std::size_t> ties;
    double best = 0;
    for (std::size_t i : eligible) {
        if (ties.empty() || (total[i] > best && !same_score(total[i], best))) {
            best = total[i];
            ties.assign(1, i);
        } else if (same_score(total[i], best)) {
            ties.push_back(i);
        }
    }
    std::string reason = "weighted sum " + format_score(best) + " (highest of " + std::to_string(eligible.size()) + ")";
    if (ties.size() > 1) reason += "; " + std::to_string(ties.size()) + " candidates tie";
    return select_from_ties(std::move(rule), std::move(ties), std::move(reason));
}

}  // namespace braid::verifiers::detail
