#pragma once
// A stored run's candidates as the verifiers layer sees them, for the offline readers of a run
// (`braid replay`, `braid eval`): per task, the candidates in their threads' creation order with
// every stored verdict's score, the repro signature (the "repro" verdict's details field
// "signature") and the completion tokens of the candidate's node; plus what each verifier cost on
// each candidate (a verdict's cost_usd is already that candidate's share; details "wall_ms" when
// present). Blocking store reads: call from a command, never from an event loop.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/message.hpp"
#include "planner/strategy_options.hpp"
#include "store/records.hpp"
#include "verifiers/candidate.hpp"

namespace braid::store {
class Store;
}

namespace braid::orchestrator {

struct VerifierCost {
    double usd = 0;
    double wall_ms = 0;
};

struct StoredTask {
    store::TaskRecord record;
    std::vector<verifiers::Candidate> candidates;  // by node id (thread creation order)
    // costs[i]: verifier name → what it cost on candidates[i] (only verifiers with a verdict).
    std::vector<std::map<std::string, VerifierCost>> costs;
};

struct StoredRun {
    store::RunRecord record;
    std::string strategy;  // the config's "strategy"; "" when absent
    planner::StrategyOptions options;  // the config's "strategy_options" (defaults when absent)
    std::vector<StoredTask> tasks;  // in the store's task order
    std::vector<store::NodeRecord> nodes;
};

// The run `run_id` of `store`. Throws FatalError (not_found, naming the database) when it is absent.
StoredRun load_stored_run(store::Store& store, std::int64_t run_id);

// The selection rule of the run's stored strategy; nullopt when the config names no known strategy.
std::optional<std::string> stored_rule(const StoredRun& run);

// The verifiers `rule` reads (verifiers::rule_verifiers); throws FatalError (invalid_input) naming
// the rule when it is unknown, malformed or names the oracle.
std::vector<std::string> checked_rule_verifiers(const std::string& rule);

// The distinct verifier names with a score on some candidate of the run, sorted.
std::vector<std::string> verifier_names(const StoredRun& run);

// What can be computed without a model, filled in where a candidate lacks it: the task kind's
// checker (not for kinds whose grade reads hidden data — swe — nor for a candidate that already has
// an oracle verdict), and with `with_length` a `length` score of −completion tokens. Returns how
// many verdicts were computed.
std::size_t complete_offline_verdicts(StoredTask& task, bool with_length);

// Whether `verifier` can be computed offline by complete_offline_verdicts (checker, length).
bool computable_offline(const std::string& verifier);

// Of the verifiers `rule_verifiers` that cannot be computed offline, each that no candidate of
// `task` has (a task without candidates lacks none: there is nothing to select from).
std::vector<std::string> missing_verifiers(const StoredTask& task, const std::vector<std::string>& rule_verifiers);

// Tokens and USD of every node that generates candidates or plans: every node whose kind is not a
// verifier's ("judge", "verify").
struct GenerationCost {
    Usage usage;
    double usd = 0;
};
GenerationCost generation_cost(const StoredRun& run);

}  // namespace braid::orchestrator
