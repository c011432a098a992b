#pragma once
// Candidates and verdicts (DESIGN §3.6): an output becomes a candidate with a normalized answer
// key; verifiers add scores by name; a selection rule picks one candidate.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"

namespace braid::verifiers {

struct Candidate {
    NodeId node;              // the thread that produced it
    std::string output;
    std::string normalized;   // answer key; "" when the output holds no answer
    std::int64_t completion_tokens = 0;
    std::map<std::string, double> scores;  // verifier name → score (higher is better)

    std::optional<double> score(const std::string& verifier) const {
        auto it = scores.find(verifier);
        if (it == scores.end()) return std::nullopt;
        return it->second;
    }
};

struct Selection {
    std::optional<std::size_t> index;  // into the candidate list; empty when nothing qualifies
    std::string rule;
    std::string reason;
};

}  // namespace braid::verifiers
