// The hybrid cascade (selection.hpp; reference §3.2, §8b): R2E-Gym's EF top-k → regression →
// generated tests → EF, over clusters of normalized patches, with Agentless/CodeMonkeys
// tie-breaks. Each step narrows the surviving clusters; the reason line records every step so a
// report shows why a candidate won.
#include <algorithm>
#include <string>

#include "verifiers/selection.hpp"
#include "verifiers/selection_support.hpp"

namespace braid::verifiers {

using detail::Cluster;
using detail::format_score;

namespace {

// R2E-Gym's k: at least 3, else half the clusters.
constexpr std::size_t min_judge_top_k = 3;

// Step 6's order: larger cluster, then shorter normalized key, then first appearance.
bool tie_break_before(const Cluster& a, const Cluster& b) {
    if (a.members.size() != b.members.size()) return a.members.size() > b.members.size();
    if (a.key.size() != b.key.size()) return a.key.size() < b.key.size();
    return a.members.front() < b.members.front();
}

bool any_has(const std::vector<Candidate>& candidates, const std::vector<Cluster>& clusters, std::string_view verifier) {
    for (const Cluster& c : clusters)
        if (detail::cluster_score(candidates, c, verifier)) return true;
    return false;
}

std::string keeps(std::size_t n) { return n > 1 ? " keeps " + std::to_string(n) : ""; }

// Step 2: the top k clusters by mean judge score (clusters without one rank last).
std::vector<Cluster> judge_top_k(const std::vector<Candidate>& candidates, std::vector<Cluster> clusters, std::size_t k) {
    auto judge = [&](const Cluster& c) { return detail::cluster_score(candidates, c, judge_verifier); };
    std::stable_sort(clusters.begin(), clusters.end(), [&](const Cluster& a, const Cluster& b) {
        auto ja = judge(a);
        auto jb = judge(b);
        if (ja.has_value() != jb.has_value()) return ja.has_value();
        if (ja && !detail::same_score(*ja, *jb)) return *ja > *jb;
        return tie_break_before(a, b);
    });
    clusters.resize(std::min(k, clusters.size()));
    std::sort(clusters.begin(), clusters.end(),
              [](const Cluster& a, const Cluster& b) { return a.members.front() < b.members.front(); });
    return clusters;
}

// Steps 3–5: keep the clusters with the best mean `verifier` score, when any survivor has one.
void keep_best_step(const std::vector<Candidate>& candidates, std::vector<Cluster>& survivors, std::string_view verifier,
                    std::string& reason) {
    if (!any_has(candidates, survivors, verifier)) {
        reason += " → " + std::string(verifier) + " skipped (no verdict)";
        return;
    }
    double best = 0;
    survivors = detail::keep_best(
        survivors, [&](const Cluster& c) { return detail::cluster_score(candidates, c, verifier); }, &best);
    reason += " → " + std::string(verifier) + " " + format_score(best) + keeps(survivors.size());
}

}  // namespace

Selection select_hybrid(const std::vector<Candidate>& candidates) {
    // Step 1: drop what does not apply or holds no patch, cluster the rest.
    std::vector<std::size_t> eligible;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        auto applies = candidates[i].score(apply_verifier);
        if (candidates[i].normalized.empty() || (applies && *applies <= 0)) continue;
        eligible.push_back(i);
    }
    std::vector<Cluster> survivors = detail::cluster_candidates(candidates, eligible);
    std::string reason = "hybrid: ";
    if (eligible.size() < candidates.size())
        reason += std::to_string(candidates.size() - eligible.size()) + " of " + std::to_string(candidates.size()) +
                  " dropped (apply 0 or no answer), ";
    if (survivors.empty()) return detail::select_from_ties("hybrid", {}, reason + "no candidate left");
    reason += std::to_string(survivors.size()) + (survivors.size() == 1 ? " cluster" : " clusters");

    // Step 2: the judge's top k.
    if (any_has(candidates, survivors, judge_verifier)) {
        std::size_t k = std::max(min_judge_top_k, survivors.size() / 2);
        if (survivors.size() > k) {
            survivors = judge_top_k(candidates, std::move(survivors), k);
            reason += " → judge top " + std::to_string(k);
        }
    }

    // Step 3: regressions.
    keep_best_step(candidates, survivors, regression_verifier, reason);

    // Step 4: reproduction tests, unless every survivor passes and fails the same tests.
    std::vector<Candidate> surviving;
    for (std::size_t i : detail::members_of(survivors)) surviving.push_back(candidates[i]);
    std::size_t distinguishability = repro_distinguishability(surviving);
    if (!any_has(candidates, survivors, repro_verifier)) {
        reason += " → repro skipped (no verdict)";
    } else if (distinguishability == 1) {
        reason += " → repro skipped (distinguishability 1)";
    } else {
        keep_best_step(candidates, survivors, repro_verifier, reason);
        if (distinguishability > 1) reason += " (distinguishability " + std::to_string(distinguishability) + ")";
    }

    // Step 5: the judge decides among what execution could not separate.
    if (any_has(candidates, survivors, judge_verifier)) keep_best_step(candidates, survivors, judge_verifier, reason);

    // Step 6: larger cluster, then shorter key; the lowest index is the final, non-criterion break.
    if (survivors.size() > 1) {
        std::size_t before = survivors.size();
        survivors = detail::keep_best(survivors, [](const Cluster& c) {
            return std::optional<double>(static_cast<double>(c.members.size()));
        });
        if (survivors.size() < before)
            reason += " → larger cluster (" + std::to_string(survivors.front().members.size()) + ")" + keeps(survivors.size());
    }
    if (survivors.size() > 1) {
        std::size_t before = survivors.size();
        survivors = detail::keep_best(survivors, [](const Cluster& c) {
            return std::optional<double>(-static_cast<double>(c.key.size()));
        });
        if (survivors.size() < before) reason += " → shorter patch" + keeps(survivors.size());
    }
    if (survivors.size() > 1) reason += " → lowest index of " + std::to_string(survivors.size()) + " tied clusters";
    return detail::select_from_ties("hybrid", detail::members_of(survivors), reason);
}

}  // namespace braid::verifiers
