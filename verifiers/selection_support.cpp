#include "verifiers/selection_support.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

namespace braid::verifiers::detail {

std::vector<Cluster> cluster_candidates(const std::vector<Candidate>& candidates,
                                        const std::vector<std::size_t>& indices) {
    std::vector<Cluster> clusters;
    std::map<std::string_view, std::size_t> position;  // key → index into clusters
    for (std::size_t i : indices) {
        const std::string& key = candidates[i].normalized;
        if (key.empty()) continue;
        auto [it, inserted] = position.try_emplace(key, clusters.size());
        if (inserted) clusters.push_back(Cluster{key, {}});
        clusters[it->second].members.push_back(i);
    }
    return clusters;
}

std::vector<Cluster> cluster_candidates(const std::vector<Candidate>& candidates) {
    std::vector<std::size_t> all(candidates.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return cluster_candidates(candidates, all);
}

std::optional<double> cluster_score(const std::vector<Candidate>& candidates, const Cluster& cluster,
                                    std::string_view verifier) {
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t i : cluster.members) {
        if (auto s = candidates[i].score(verifier)) {
            sum += *s;
            ++count;
        }
    }
    if (count == 0) return std::nullopt;
    return sum / static_cast<double>(count);
}

bool same_score(double a, double b) {
    constexpr double relative_tolerance = 1e-9;
    return std::fabs(a - b) <= relative_tolerance * std::max({1.0, std::fabs(a), std::fabs(b)});
}

std::vector<std::size_t> members_of(const std::vector<Cluster>& clusters) {
    std::vector<std::size_t> out;
    for (const Cluster& c : clusters) out.insert(out.end(), c.members.begin(), c.members.end());
    std::sort(out.begin(), out.end());
    return out;
}

std::string format_score(double value) {
    if (value == std::round(value) && std::fabs(value) < 1e15)
        return std::to_string(static_cast<long long>(value));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", value);
    return buf;
}

Selection select_from_ties(std::string rule, std::vector<std::size_t> ties, std::string reason) {
    std::sort(ties.begin(), ties.end());
    ties.erase(std::unique(ties.begin(), ties.end()), ties.end());
    Selection out{std::nullopt, std::move(rule), std::move(reason), std::move(ties)};
    if (!out.ties.empty()) out.index = out.ties.front();
    return out;
}

}  // namespace braid::verifiers::detail
