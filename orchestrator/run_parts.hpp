#pragma once
// What differs between the runs the one run loop (run_executor.hpp) executes: the strategy that
// solves each task and the services it starts from. A `solve` run builds its configured backend
// and planner strategy (run_executor.cpp); a pipeline run builds one backend per model of its
// spec and a search::PipelineStrategy (pipeline_run.cpp). Both are built on the run's resources,
// which the run loop owns and which outlive the parts.

#include <memory>
#include <vector>

#include <asio/any_io_executor.hpp>
#include <asio/thread_pool.hpp>

#include "backends/stored/stored_backend.hpp"
#include "core/budget.hpp"
#include "core/log.hpp"
#include "orchestrator/run_config.hpp"
#include "planner/strategy.hpp"
#include "search/pipeline_spec.hpp"
#include "store/run_recorder.hpp"
#include "workers/thread_context.hpp"

namespace braid::orchestrator {

// The run's own resources, owned by the run loop.
struct RunResources {
    asio::any_io_executor executor;  // the run's io_context
    store::Store& store;
    asio::thread_pool& pool;         // blocking work (stored completions)
    store::RunRecorder& recorder;
    Ledger& ledger;
    const Logger& log;               // tagged with the run id
};

struct RunParts {
    std::unique_ptr<search::PipelineSpec> pipeline;  // a pipeline run's spec; the strategy borrows it
    std::unique_ptr<backends::Backend> backend;      // a solve run's model (null: --backend replay)
    std::unique_ptr<backends::StoredBackend> stored;
    std::unique_ptr<workers::RunServices> services;  // what the strategy's solve() is given
    std::unique_ptr<planner::Strategy> strategy;
    // Every backend the run calls through the store, for the model-call counts of the summary.
    std::vector<const backends::StoredBackend*> stored_backends;
};

// A pipeline run's parts (strategy "pipeline"); `tasks` is how many tasks the run will solve (the
// allocator's split). Throws FatalError when the stored spec or configuration does not parse or a
// model's backend cannot be built.
RunParts pipeline_parts(const RunConfig& config, RunResources& resources, std::size_t tasks);

}  // namespace braid::orchestrator
