#pragma once
// Builds the model backend a RunConfig names. `replay` has no model behind it and yields null:
// the executor then serves every request from stored completions only.

#include <memory>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "orchestrator/run_config.hpp"

namespace braid::orchestrator {

// Errors: unknown backend name, scripted backend without a usable script (invalid_input).
Result<std::unique_ptr<backends::Backend>> make_backend(const RunConfig& config);
std::vector<std::string> backend_names();

}  // namespace braid::orchestrator
