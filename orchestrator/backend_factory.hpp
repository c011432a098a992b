#pragma once
// Builds the model backend a RunConfig names, on `executor` (the run's io_context: the openai
// backend's transfers are driven by it). `replay` has no model behind it and yields null: the
// executor then serves every request from stored completions only. The openai backend reads its
// API key from the environment variable named by config.api_key_env, here and nowhere else.
// `symbolic` is the SoS+ stand-in model for Countdown, `symbolic-apr` the APR one (it spawns).
// `local` loads the model file config.model (a GGUF) into the in-process engine; its steps run on
// `executor` and its kernels on config.threads threads.

#include <memory>
#include <string>
#include <vector>

#include <asio/any_io_executor.hpp>

#include "backends/backend.hpp"
#include "orchestrator/run_config.hpp"

namespace braid::orchestrator {

// Errors (invalid_input): unknown backend name, scripted backend without a usable script,
// openai backend without --base-url or whose key variable is unset, local backend without
// --model; a local model file that is missing (not_found) or unreadable (io, parse, invalid_input).
Result<std::unique_ptr<backends::Backend>> make_backend(const RunConfig& config, asio::any_io_executor executor);
std::vector<std::string> backend_names();

}  // namespace braid::orchestrator
