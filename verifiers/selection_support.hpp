#pragma once
// Building blocks shared by the selection rules (selection.cpp, hybrid_selection.cpp,
// weighted_selection.cpp, selection_rules.cpp). Internal to verifiers/: other layers use
// selection.hpp.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "verifiers/candidate.hpp"

namespace braid::verifiers::detail {

// Candidates with the same non-empty normalized answer. `members` ascend; members.front() is the
// cluster's first appearance.
struct Cluster {
    std::string key;
    std::vector<std::size_t> members;
};

// Clusters of the candidates whose index is in `indices` (ascending) and whose key is non-empty,
// ordered by first appearance.
std::vector<Cluster> cluster_candidates(const std::vector<Candidate>& candidates,
                                        const std::vector<std::size_t>& indices);
// The same over every candidate.
std::vector<Cluster> cluster_candidates(const std::vector<Candidate>& candidates);

// The mean of `verifier` over the cluster's members that have it; nullopt when none has it.
std::optional<double> cluster_score(const std::vector<Candidate>& candidates, const Cluster& cluster,
                                    std::string_view verifier);

// Scores compare equal within a relative 1e-9: cluster means and z-score sums of equal inputs
// must tie even when the floating-point summation order differs.
bool same_score(double a, double b);

// The sorted union of the clusters' members.
std::vector<std::size_t> members_of(const std::vector<Cluster>& clusters);

// A score for a reason line: integers without decimals, others with up to 3 significant decimals.
std::string format_score(double value);

// Selection from a tie set: index = its lowest member; ties = the set (sorted). An empty set gives
// an empty selection.
Selection select_from_ties(std::string rule, std::vector<std::size_t> ties, std::string reason);

// The clusters whose value is the highest (same_score); clusters without a value never win. Empty
// when none has a value. `best` receives the highest value.
template <class Value>
std::vector<Cluster> keep_best(const std::vector<Cluster>& clusters, Value value, double* best = nullptr) {
    std::vector<Cluster> kept;
    std::optional<double> top;
    for (const Cluster& c : clusters) {
        std::optional<double> v = value(c);
        if (!v) continue;
        if (!top || (*v > *top && !same_score(*v, *top))) {
            top = v;
            kept.clear();
            kept.push_back(c);
        } else if (same_score(*v, *top)) {
            kept.push_back(c);
        }
    }
    if (best && top) *best = *top;
    return kept;
}

// shortest: best score on `length`, under its own rule name.
Selection select_shortest(const std::vector<Candidate>& candidates);
// selector: best score on `selector` when any candidate has one, else hybrid.
Selection select_selector(const std::vector<Candidate>& candidates);

// weighted:<spec>; the spec is everything after "weighted:".
struct WeightedTerm {
    std::string verifier;  // a verifier name, or "majority" for log(cluster size)
    double weight = 0;
};
inline constexpr std::string_view majority_pseudo_verifier = "majority";
Result<std::vector<WeightedTerm>> parse_weighted_spec(std::string_view spec);
Selection select_weighted(const std::vector<Candidate>& candidates, const std::vector<WeightedTerm>& terms,
                          std::string rule);

}  // namespace braid::verifiers::detail
