#include "verifiers/candidate.hpp"

namespace braid::verifiers {

std::optional<bool> correctness(const Candidate& candidate) {
    // The oracle (hidden tests) outranks the visible checker: it is the grade that counts.
    if (auto oracle = candidate.score(oracle_verifier)) return *oracle > 0;
    if (auto checker = candidate.score(checker_verifier)) return *checker > 0;
    return std::nullopt;
}

}  // namespace braid::verifiers
