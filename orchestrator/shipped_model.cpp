#include "orchestrator/shipped_model.hpp"

#ifndef BRAID_SOURCE_DIR
#error "BRAID_SOURCE_DIR names the source tree (orchestrator/CMakeLists.txt defines it)"
#endif

namespace braid::orchestrator {

std::string shipped_model_path() { return std::string(BRAID_SOURCE_DIR) + "/models/" + kShippedModelFile; }

}  // namespace braid::orchestrator
