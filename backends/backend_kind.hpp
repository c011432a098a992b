#pragma once
// BackendKind: the model backends a run can name (`--backend`, a pipeline model's "backend"),
// built by orchestrator/backend_factory.hpp. The name is what users type, what a run's config
// stores and what commands print; it is converted only there.
//
// symbolic, symbolic-apr: the Countdown stand-in models (tasks/countdown/standin/); scripted: the
// test double (scripted/); openai: an OpenAI-compatible server (openai/); local: the in-process
// engine (local/); replay: no model, the store's completions only (stored/).

#include <array>
#include <string_view>

#include "core/error.hpp"

namespace braid::backends {

enum class BackendKind { symbolic, symbolic_apr, scripted, openai, local, replay };
// Every kind, in declaration order (the parser and its messages walk it).
inline constexpr std::array kBackendKinds{BackendKind::symbolic, BackendKind::symbolic_apr,
                                          BackendKind::scripted, BackendKind::openai,
                                          BackendKind::local,    BackendKind::replay};

// The kind's name ("symbolic-apr" for symbolic_apr); "" only for a value outside the enum.
std::string_view to_string(BackendKind kind);
// Error (invalid_input): "unknown backend 'NAME' (known: symbolic, symbolic-apr, ...)".
Result<BackendKind> parse_backend_kind(std::string_view name);

}  // namespace braid::backends
