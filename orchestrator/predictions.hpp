#pragma once
// `--predictions FILE`: a run's selected patches in the SWE-bench harness format, one JSONL row per
// `swe` task of the run, in task order: {"instance_id", "model_name_or_path", "model_patch"}. A task
// with no selected candidate gets "" (the harness counts it as an empty patch). Rows of other
// kinds are left out.

#include <string>

#include "core/error.hpp"
#include "core/ids.hpp"
#include "store/store.hpp"

namespace braid::orchestrator {

// Writes the file whole (to a temporary name, then renamed), so a failed write leaves no half
// file. Errors: io (cannot write), with the path. Returns the number of rows written.
Result<std::size_t> write_predictions(store::Store& store, RunId run, const std::string& model_name,
                                      const std::string& path);

}  // namespace braid::orchestrator
