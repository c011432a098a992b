#pragma once
// Printing a run's summary: a short human table, or one JSON object for --json.

#include <nlohmann/json_fwd.hpp>

#include "orchestrator/run_config.hpp"
#include "orchestrator/run_executor.hpp"

namespace braid::orchestrator {

nlohmann::json summary_json(const RunSummary& summary, const RunConfig& config);
void print_summary(const RunSummary& summary, const RunConfig& config, bool json);

}  // namespace braid::orchestrator
