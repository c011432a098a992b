#pragma once
// The `confidence` verifier (candidate.hpp): how sure the model was of a candidate's text, as the
// mean logprob of the tokens it generated (≤ 0; higher is surer). Pure; any thread.

#include <optional>
#include <vector>

#include "backends/backend.hpp"

namespace braid::verifiers {

// The mean of the chosen tokens' logprobs; nullopt when there are none (the backend returned no
// logprobs, or the text was empty).
std::optional<double> mean_logprob(const std::vector<backends::TokenLogprob>& logprobs);

}  // namespace braid::verifiers
