#pragma once
// braid's own Countdown model, shipped in the repository (models/README.md): what `braid solve`
// runs when no --backend and no --model is given.

#include <string>

namespace braid::orchestrator {

// The shipped default model's file name under models/.
inline constexpr const char* kShippedModelFile = "countdown-direct.gguf";

// Absolute path of the shipped model in the source tree this binary was built from. The file may
// be absent (a checkout without it); callers check and say so.
std::string shipped_model_path();

}  // namespace braid::orchestrator
