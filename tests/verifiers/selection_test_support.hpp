#pragma once
// Hand-built candidates for the selection tests.

#include <map>
#include <string>
#include <utility>

#include "verifiers/candidate.hpp"

namespace braid::verifiers::testing {

inline Candidate make_candidate(std::int64_t node, std::string normalized, std::map<std::string, double> scores = {},
                                std::string repro_signature = "") {
    Candidate c;
    c.node = NodeId{node};
    c.normalized = std::move(normalized);
    c.scores = std::move(scores);
    c.repro_signature = std::move(repro_signature);
    return c;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace braid::verifiers::testing
