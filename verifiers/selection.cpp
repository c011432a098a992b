// The single-criterion rules. The hybrid cascade is in hybrid_selection.cpp, the weighted ablation
// in weighted_selection.cpp, rule names in selection_rules.cpp.
#include "verifiers/selection.hpp"

#include <optional>
#include <set>
#include <string>

#include "verifiers/selection_support.hpp"

namespace braid::verifiers {

using detail::Cluster;
using detail::format_score;
using detail::select_from_ties;

namespace {

std::string count_of(std::size_t part, std::size_t whole) {
    return std::to_string(part) + " of " + std::to_string(whole);
}

// The candidates with the highest `verifier` score (optionally only positive ones); `best` gets it.
std::vector<std::size_t> best_candidates(const std::vector<Candidate>& candidates, std::string_view verifier,
                                         double& best, bool positive_only = false) {
    std::vector<std::size_t> ties;
    std::optional<double> top;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        auto s = candidates[i].score(verifier);
        if (!s || (positive_only && *s <= 0)) continue;
        if (!top || (*s > *top && !detail::same_score(*s, *top))) {
            top = s;
            ties.assign(1, i);
        } else if (detail::same_score(*s, *top)) {
            ties.push_back(i);
        }
    }
    if (top) best = *top;
    return ties;
}

std::string tie_note(std::size_t tied, std::string_view what) {
    if (tied <= 1) return "";
    return "; " + std::to_string(tied) + " " + std::string(what) + " tie";
}

// Majority over the clusters of `candidates[indices]`; `total` names the population in the reason.
Selection majority_over(const std::vector<Candidate>& candidates, const std::vector<std::size_t>& indices,
                        std::string rule) {
    std::vector<Cluster> clusters = detail::cluster_candidates(candidates, indices);
    if (clusters.empty()) return select_from_ties(std::move(rule), {}, "no candidate holds an answer");
    double size = 0;
    auto tied = detail::keep_best(
        clusters, [](const Cluster& c) { return std::optional<double>(static_cast<double>(c.members.size())); },
        &size);
    return select_from_ties(std::move(rule), detail::members_of(tied),
                            count_of(static_cast<std::size_t>(size), indices.size()) + " agree (" +
                                std::to_string(clusters.size()) + " distinct answers" +
                                (tied.size() > 1 ? "; " + std::to_string(tied.size()) + " answers tie" : "") +
                                ")");
}

std::vector<std::size_t> all_indices(std::size_t n) {
    std::vector<std::size_t> out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = i;
    return out;
}

}  // namespace

Selection select_majority(const std::vector<Candidate>& candidates) {
    return majority_over(candidates, all_indices(candidates.size()), "majority");
}

Selection select_weighted_majority(const std::vector<Candidate>& candidates, std::string_view verifier) {
    std::string rule = "weighted-majority:" + std::string(verifier);
    std::vector<Cluster> clusters = detail::cluster_candidates(candidates);
    // A cluster's weight is the sum of its members' scores; a cluster none of whose members has
    // a score has no weight and never wins (as in best-score).
    auto weight = [&](const Cluster& c) -> std::optional<double> {
        std::optional<double> sum;
        for (std::size_t i : c.members)
            if (auto s = candidates[i].score(verifier)) sum = sum.value_or(0) + *s;
        return sum;
    };
    double best = 0;
    auto tied = detail::keep_best(clusters, weight, &best);
    if (tied.empty())
        return select_from_ties(std::move(rule), {}, "no candidate with an answer has a " + std::string(verifier) + " score");
    return select_from_ties(std::move(rule), detail::members_of(tied),
                            std::string(verifier) + " sum " + format_score(best) + " over " +
                                std::to_string(tied.front().members.size()) + " agreeing of " +
                                std::to_string(candidates.size()) + tie_note(tied.size(), "answers"));
}

Selection select_best_score(const std::vector<Candidate>& candidates, std::string_view verifier) {
    std::string rule = "best-score:" + std::string(verifier);
    double best = 0;
    auto ties = best_candidates(candidates, verifier, best);
    if (ties.empty()) return select_from_ties(std::move(rule), {}, "no candidate has a " + std::string(verifier) + " score");
    return select_from_ties(std::move(rule), ties,
                            std::string(verifier) + " score " + format_score(best) + tie_note(ties.size(), "candidates"));
}

Selection select_majority_of_best(const std::vector<Candidate>& candidates, std::string_view verifier) {
    std::string rule = "majority-of-best:" + std::string(verifier);
    double best = 0;
    auto kept = best_candidates(candidates, verifier, best);
    if (kept.empty()) return select_from_ties(std::move(rule), {}, "no candidate has a " + std::string(verifier) + " score");
    Selection inner = majority_over(candidates, kept, rule);
    std::string head = count_of(kept.size(), candidates.size()) + " have the best " + std::string(verifier) +
                       " score " + format_score(best);
    if (!inner.index) return select_from_ties(std::move(rule), {}, head + " but hold no answer");
    return select_from_ties(std::move(rule), inner.ties, head + "; among them " + inner.reason);
}

Selection select_first_finish(const std::vector<Candidate>& candidates) {
    double best = 0;
    auto ties = best_candidates(candidates, first_finish_verifier, best, /*positive_only=*/true);
    if (ties.empty()) return select_from_ties("first-finish", {}, "no candidate is marked first to finish");
    return select_from_ties("first-finish", ties, "first to finish" + tie_note(ties.size(), "candidates"));
}

namespace detail {

Selection select_shortest(const std::vector<Candidate>& candidates) {
    double best = 0;
    auto ties = best_candidates(candidates, length_verifier, best);
    if (ties.empty()) return select_from_ties("shortest", {}, "no candidate has a length score");
    return select_from_ties("shortest", ties,
                            "shortest: " + format_score(-best) + " completion tokens" +
                                tie_note(ties.size(), "candidates"));
}

Selection select_selector(const std::vector<Candidate>& candidates) {
    double best = 0;
    auto ties = best_candidates(candidates, selector_verifier, best);
    if (ties.empty()) {
        Selection hybrid = select_hybrid(candidates);
        hybrid.rule = "selector";
        hybrid.reason = "no selector verdict; " + hybrid.reason;
        return hybrid;
    }
    return select_from_ties("selector", ties,
                            "the selection thread chose it (selector " + format_score(best) + ")" +
                                tie_note(ties.size(), "candidates"));
}

}  // namespace detail

std::size_t repro_distinguishability(const std::vector<Candidate>& candidates) {
    std::set<std::string_view> signatures;
    for (const Candidate& c : candidates)
        if (!c.repro_signature.empty()) signatures.insert(c.repro_signature);
    return signatures.size();
}

}  // namespace braid::verifiers
