#pragma once
// Builds the model backend a RunConfig names, on `executor` (the run's io_context: the openai
// backend's transfers are driven by it). `replay` names no model — it is the store alone — so
// make_backend refuses it; make_recorded_backend serves it. The openai backend reads its
// API key from the environment variable named by config.api_key_env, here and nowhere else.
// `symbolic` is the SoS+ stand-in model for Countdown, `symbolic-apr` the APR one (it spawns).
// `local` loads the model file config.model (a GGUF) into the in-process engine; its steps run on
// `executor` and its kernels on config.threads threads.

#include <memory>

#include <asio/any_io_executor.hpp>

#include <asio/thread_pool.hpp>

#include "backends/backend.hpp"
#include "backends/stored/stored_backend.hpp"
#include "orchestrator/run_config.hpp"
#include "store/store.hpp"

namespace braid::orchestrator {

// The kind is parsed where it is given (backends::parse_backend_kind names the known ones).
// Errors (invalid_input): no backend (a pipeline run's config), `replay`, scripted backend
// without a usable script, openai backend without --base-url or whose key variable is unset,
// local backend without --model; a local model file that is missing (not_found) or unreadable
// (io, parse, invalid_input).
Result<std::unique_ptr<backends::Backend>> make_backend(const RunConfig& config, asio::any_io_executor executor);
// The checks of make_backend that need no backend: the options each backend needs, the
// API key variable, that a local model file exists (its contents are read only when the run
// starts). Validation calls this; it builds nothing and connects nowhere.
Result<void> check_backend(const RunConfig& config);

// The backend a run calls, behind its store: the configured model with every completion recorded
// before it is used (one already stored is never requested again), or for `replay` the store
// alone (a request never recorded fails; no model is called). `store` and `pool` are borrowed
// and outlive it. Errors: make_backend's.
struct RecordedBackend {
    std::unique_ptr<backends::Backend> model;  // null for replay
    std::unique_ptr<backends::StoredBackend> stored;
};
Result<RecordedBackend> make_recorded_backend(const RunConfig& config,
                                              asio::any_io_executor executor, store::Store& store,
                                              asio::thread_pool& pool);

}  // namespace braid::orchestrator
