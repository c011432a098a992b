#pragma once
// The search methods on the one trial interface (trial.hpp), each deterministic for a seed:
//   grid      every point of the space (exhaustive; the ground truth for regret on small spaces)
//   random    uniform affordable points, without repeats
//   halving   successive halving: a random pool on a small fraction of the dev tasks, the better
//             half kept and re-evaluated on twice as many, until a final round at full fidelity
//   greedy    insight-guided greedy with coordinate refinement (reference §8c): per-stage model
//             preference from one-sample profiles, then the best Δaccuracy/Δcost move (double the
//             samples, one more iteration, switch model, change rule) while affordable, stages
//             saturating when no move gains ε; then coordinate passes re-optimising one stage at a
//             time with the others fixed, until a pass changes nothing
//   tpe       a tree-structured Parzen estimator over the per-stage choice indices: random start,
//             then candidates drawn from the good trials' densities and ranked by l(x)/g(x)
//   agent     an LLM proposer (Proposer) reading the archive: AgentTTS on the same interface

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "search/trial.hpp"

namespace braid::search {

// Proposes the next configuration from what has been tried (the agent method's model).
class Proposer {
public:
    virtual ~Proposer() = default;
    // The next configuration to evaluate; nullopt when it has nothing more to propose.
    virtual std::optional<Config> propose(const SearchContext& context) = 0;
};

struct SearchOptions {
    std::string method = "greedy";
    std::uint64_t seed = 0;
    double epsilon = 1e-3;          // greedy: smallest accuracy gain worth a move
    Proposer* proposer = nullptr;   // agent: required
};

struct SearchResult {
    std::optional<Trial> best;      // SearchContext::best() at the end
    std::vector<Trial> pareto;      // pareto_front of the archive
    std::size_t trials = 0;         // trials the method spent
};

std::vector<std::string> method_names();  // grid, random, halving, greedy, tpe, agent
bool is_method(std::string_view name);

// Runs `options.method` until it is done or the context's trial limit is reached. Throws
// FatalError (invalid_input) for an unknown method or an agent method without a proposer.
SearchResult run_search(SearchContext& context, const SearchOptions& options);

}  // namespace braid::search
