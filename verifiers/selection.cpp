#include "verifiers/selection.hpp"

#include <map>
#include <optional>
#include <string>

namespace braid::verifiers {

Selection select_majority(const std::vector<Candidate>& candidates) {
    struct Cluster {
        std::size_t size = 0;
        std::size_t first = 0;
    };
    std::map<std::string, Cluster> clusters;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const std::string& key = candidates[i].normalized;
        if (key.empty()) continue;
        auto [it, inserted] = clusters.try_emplace(key, Cluster{0, i});
        ++it->second.size;
    }
    Selection out{std::nullopt, "majority", "no candidate holds an answer", {}};
    std::size_t best_size = 0;
    std::size_t best_first = 0;
    for (const auto& [key, cluster] : clusters) {
        if (cluster.size > best_size || (cluster.size == best_size && cluster.first < best_first)) {
            best_size = cluster.size;
            best_first = cluster.first;
        }
    }
    if (best_size > 0) {
        out.index = best_first;
        out.reason = std::to_string(best_size) + " of " + std::to_string(candidates.size()) +
                     " candidates agree (" + std::to_string(clusters.size()) + " distinct answers)";
    }
    return out;
}

Selection select_best_score(const std::vector<Candidate>& candidates, std::string_view verifier) {
    Selection out{std::nullopt, "best-score:" + std::string(verifier), "no candidate has a score", {}};
    double best = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        auto s = candidates[i].score(std::string(verifier));
        if (!s) continue;
        if (!out.index || *s > best) {
            out.index = i;
            best = *s;
        }
    }
    if (out.index) out.reason = std::string(verifier) + " score " + std::to_string(best);
    return out;
}

Selection select_first_finish(const std::vector<Candidate>& candidates) {
    Selection out{std::nullopt, "first-finish", "no candidate finished", {}};
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        auto s = candidates[i].score(std::string(first_finish_verifier));
        if (s && *s > 0) {
            out.index = i;
            out.reason = "first to finish";
            break;
        }
    }
    return out;
}

Selection select_majority_of_best(const std::vector<Candidate>& candidates, std::string_view verifier) {
    const std::string name(verifier);
    std::optional<double> best;
    for (const Candidate& c : candidates)
        if (auto s = c.score(name); s && (!best || *s > *best)) best = s;
    Selection out{std::nullopt, "majority-of-best:" + name, "no candidate has a " + name + " score", {}};
    if (!best) return out;
    // Majority among the best, indices kept so ties still go to the earliest candidate.
    std::vector<Candidate> kept;
    std::vector<std::size_t> index_of;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        auto s = candidates[i].score(name);
        if (!s || *s != *best) continue;
        kept.push_back(candidates[i]);
        index_of.push_back(i);
    }
    Selection inner = select_majority(kept);
    if (!inner.index) {
        out.reason = std::to_string(kept.size()) + " candidates share the best " + name + " score but hold no answer";
        return out;
    }
    out.index = index_of[*inner.index];
    out.reason = std::to_string(kept.size()) + " of " + std::to_string(candidates.size()) + " have the best " + name +
                 " score " + std::to_string(*best) + "; among them " + inner.reason;
    return out;
}

Result<Selection> select_by_rule(std::string_view rule, const std::vector<Candidate>& candidates) {
    if (rule == "majority") return select_majority(candidates);
    if (rule == "first-finish") return select_first_finish(candidates);
    constexpr std::string_view of_best_prefix = "majority-of-best:";
    if (rule.substr(0, of_best_prefix.size()) == of_best_prefix && rule.size() > of_best_prefix.size())
        return select_majority_of_best(candidates, rule.substr(of_best_prefix.size()));
    constexpr std::string_view best_prefix = "best-score:";
    if (rule.substr(0, best_prefix.size()) == best_prefix && rule.size() > best_prefix.size())
        return select_best_score(candidates, rule.substr(best_prefix.size()));
    return make_error(ErrorCode::invalid_input,
                      "unknown selection rule '" + std::string(rule) +
                          "' (majority, first-finish, best-score:<verifier>, majority-of-best:<verifier>)");
}

}  // namespace braid::verifiers
