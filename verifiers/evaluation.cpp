#include "verifiers/evaluation.hpp"

#include <algorithm>

namespace braid::verifiers {

double pass_at_k(std::size_t n, std::size_t c, std::size_t k) {
    if (n == 0 || k == 0) return 0.0;
    k = std::min(k, n);
    c = std::min(c, n);
    if (c == 0) return 0.0;
    // Every draw of k from n must hit a correct sample once fewer than k are incorrect.
    if (c + k > n) return 1.0;
    // C(n−c, k)/C(n, k) = Π_{i=n−c+1..n} (1 − k/i): no large binomials.
    double all_wrong = 1.0;
    for (std::size_t i = n - c + 1; i <= n; ++i) all_wrong *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
    return 1.0 - all_wrong;
}

double expected_accuracy(const Selection& selection, const std::vector<Candidate>& candidates) {
    if (!selection.index) return 0.0;
    // A selection without a tie set still scores its chosen candidate.
    std::vector<std::size_t> ties = selection.ties;
    if (ties.empty()) ties.push_back(*selection.index);
    std::size_t correct = 0;
    for (std::size_t i : ties)
        if (i < candidates.size() && correctness(candidates[i]).value_or(false)) ++correct;
    return static_cast<double>(correct) / static_cast<double>(ties.size());
}

}  // namespace braid::verifiers
