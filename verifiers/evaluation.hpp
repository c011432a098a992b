#pragma once
// Offline evaluation of selection (reference §3.2, §6.4): numbers that do not depend on a lucky
// tie-break. Pure functions.

#include <cstddef>
#include <optional>
#include <vector>

#include "verifiers/candidate.hpp"

namespace braid::verifiers {

// The unbiased pass@k estimator 1 − C(n−c, k)/C(n, k) for n samples of which c are correct
// (computed as a product, stable for large n). k > n is clamped to n; n = 0 gives 0.
double pass_at_k(std::size_t n, std::size_t c, std::size_t k);

// The mean correctness over selection.ties (candidates without a verdict count as incorrect);
// 0 when nothing was selected.
double expected_accuracy(const Selection& selection, const std::vector<Candidate>& candidates);

}  // namespace braid::verifiers
