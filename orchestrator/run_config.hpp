#pragma once
// RunConfig: everything that determines a run, stored as JSON in runs.config so `resume` and
// `replay` rebuild the same run from the store alone. Never holds secrets.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "backends/backend_kind.hpp"
#include "core/error.hpp"
#include "core/price_table.hpp"
#include "planner/strategy_options.hpp"

namespace braid::orchestrator {

inline constexpr std::int64_t kDefaultMaxNodes = 100'000;
inline constexpr std::int64_t kDefaultMaxStoredMb = 4096;
inline constexpr std::int64_t kMaxMaxNodes = 10'000'000;

struct RunConfig {
    std::string tasks_path;       // where the tasks came from (informational; tasks are stored)
    std::string strategy = "best-of-n";
    // The backend every model call goes to; nullopt when the run has none of its own: a pipeline
    // run, whose models each name theirs (stored and printed as "pipeline": backend_name).
    std::optional<backends::BackendKind> backend = backends::BackendKind::symbolic;
    std::string model;            // openai: the model name sent; local: the model FILE (GGUF)
    std::size_t threads = 0;      // local backend: kernel threads (0: every core)
    std::string base_url;         // openai backend: the server's /v1 address (no credentials in it)
    std::string api_key_env;      // openai backend: the *name* of the variable holding the key
    double usd_per_mtok_in = 0;   // prices per million prompt / completion tokens, for the ledger
    double usd_per_mtok_out = 0;  // (the "*" entry of the price table)
    nlohmann::json prices;        // --prices FILE: {"model": {"input", "output", "cached_input"}}
    nlohmann::json script;        // scripted backend's script, inlined so resume needs no file
    double latency_ms = 0;        // stand-in backends: delay per streamed line
    // Backend extras (a pipeline model's "options"); symbolic reads min_beam_size, max_beam_size
    // and promising_threshold (its SoS+ search: a narrower beam solves less).
    nlohmann::json backend_options = nlohmann::json::object();
    std::uint64_t seed = 0;
    std::string budget;           // as given, e.g. "tokens=50000,samples=64"; "" = unlimited
    int parallel_tasks = 16;      // tasks solved concurrently
    // What one run may make (RunLimitStop): nodes (threads, tool calls, verifier checks: rows of
    // `nodes`) and text stored by one execution, in MiB. Memory is bounded by them.
    std::int64_t max_nodes = kDefaultMaxNodes;
    std::int64_t max_stored_mb = kDefaultMaxStoredMb;
    // Strategy "pipeline" (orchestrator/pipeline_run.hpp): the pipeline spec's JSON, and the
    // configuration run of it ({"<stage>": {"model", "samples", "iterations"} or {"rule"}}); null
    // for other strategies, and `pipeline_config` null for a record run.
    nlohmann::json pipeline;
    nlohmann::json pipeline_config;
    // What the run's strategy is built with: samples, max_tokens, temperature and each
    // strategy's own options.
    planner::StrategyOptions strategy_options;
};

// What config.backend is stored and printed as: the kind's name, or "pipeline".
std::string_view backend_name(const RunConfig& config);

nlohmann::json to_json(const RunConfig& config);
Result<RunConfig> run_config_from_json(const nlohmann::json& j);

// The ledger's prices: the --prices table, with --usd-per-mtok-in/out as its "*" entry when given.
// Errors (invalid_input) name the model and field at fault.
Result<PriceTable> price_table(const RunConfig& config);

}  // namespace braid::orchestrator
